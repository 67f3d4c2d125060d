"""Property-based tamper tests of what a verdict depends on besides the records, on PostgreSQL.

A real chain (records through the registration flow, a withdrawal, one erased signatory, audit
events with personal parts, one of them erased, and checkpoints of format 2) is built once per
test; then each example switches the triggers off as an insider with the owner's rights would,
applies a random sequence of one to three tamperings of one group (audit events and their personal
parts, published texts, ``current_declaration`` pointers) with raw SQL, runs
``declarations_verify`` and rolls back. Every sequence must be detected and at least one touched
event, text or record named; 500 examples per group, derandomised. Each test prints its figures.
"""

import hashlib
import hmac
import json
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from audit.chain import EVENT_FIELDS, canonical, event_data
from audit.models import AuditEvent, AuditEventPersonal
from audit.services import audit_event_record, audit_personal_erase
from declarations.checkpoints import checkpoint_write
from declarations.models import Declaration, DeclarationText
from declarations.protection import PROTECTED_TABLES
from declarations.services import declaration_personal_data_erase, declarations_verify
from missions.models import Registration
from missions.services import registration_withdraw
from tests.factories import member_of

from .chain_tools import build_chain, store_all_copies

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

EXAMPLES = 500
TAIL = "tail"
HYPOTHESIS = hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
HEX64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
SHORT = st.text(alphabet="abcdefghij._#0123456789", max_size=30)


@pytest.fixture
def world(settings):
    """A verified chain with everything verification covers; triggers off for this test's transaction."""
    settings.DECLARATION_CHECKPOINT_EVERY = 4
    records = build_chain(6, format_1=1)
    declaration_personal_data_erase(declaration=records[1])
    first = records[2]
    registration_withdraw(
        registration=Registration.objects.get(pk=first.subject_id), actor=first.user, reason="Andere prioriteiten"
    )
    for n in range(3):
        user = member_of(user__email=f"lid{n}@example.org")
        audit_event_record(action="auth.login", actor=user, obj=user, ip_address=f"192.0.2.{n + 1}")
    erased = AuditEvent.objects.filter(action="auth.login").order_by("sequence").first()
    audit_personal_erase(rows=AuditEventPersonal.objects.filter(event=erased))
    checkpoint_write()
    store_all_copies()
    result = declarations_verify()
    assert result.ok, result.problems
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in PROTECTED_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    events = list(AuditEvent.objects.filter(sequence__isnull=False).order_by("sequence").select_related("personal"))
    return {
        "events": events,
        "with_personal": [e for e in events if _personal(e) is not None and _personal(e).erased_at is None],
        "without_personal": [e for e in events if _personal(e) is None],
        "texts": list(DeclarationText.objects.filter(declarations__isnull=False).distinct()),
        "records": list(Declaration.objects.order_by("sequence")),
        "subjects": list(Registration.objects.exclude(current_declaration=None).order_by("pk")),
        "user_ids": list(AuditEvent.objects.exclude(actor=None).values_list("actor_id", flat=True).distinct()),
    }


def _personal(event):
    try:
        return event.personal
    except AuditEventPersonal.DoesNotExist:
        return None


class Figures:
    def __init__(self, capsys, name: str):
        self.capsys, self.name, self.tried, self.detected, self.kinds = capsys, name, 0, 0, Counter()
        self.started = time.monotonic()

    def check(self, kinds: list[str], named) -> None:
        """Verify the tampered state; require detection and that something touched is named."""
        result = declarations_verify()
        self.tried += 1
        self.kinds.update(kinds)
        self.detected += not result.ok
        assert not result.ok, f"{kinds}: not detected"
        assert any(named(p) for p in result.problems), f"{kinds}: detected but not named: {result.problems}"

    def report(self) -> None:
        seconds = time.monotonic() - self.started
        with self.capsys.disabled():
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items()))
            print(
                f"\n[evidence] {self.name}: {self.tried} tampered states, {self.detected} detected "
                f"in {seconds:.1f} s ({kinds})"
            )
        assert self.tried == self.detected == EXAMPLES


def _execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rolled_back(mutate) -> None:
    savepoint = transaction.savepoint()
    try:
        mutate()
    finally:
        transaction.savepoint_rollback(savepoint)


# -- audit events --------------------------------------------------------------------------------


def _event_value(data, world, event, column):
    current = getattr(event, column)
    if column == "sequence":  # unique per event, so two tamperings never collide
        return 10_000 + event.pk * 1000 + data.draw(st.integers(0, 999), label="sequence")
    if column in ("previous_hash", "personal_hash", "record_hash"):
        return data.draw(HEX64.filter(lambda v: v != current), label=column)
    if column == "key_id":
        return data.draw(st.sampled_from(["", "hmac-000000000000", "hmac-" + "f" * 12]), label="key")
    if column == "actor_id":
        return data.draw(st.sampled_from([None, *world["user_ids"]]).filter(lambda v: v != current), label="actor")
    if column == "organisation_id":
        return data.draw(st.one_of(st.none(), st.integers(1, 2**31 - 1)).filter(lambda v: v != current))
    if column == "created_at":
        micros = data.draw(st.integers(1, 10**11), label="shift µs")
        return current + timedelta(microseconds=micros) * data.draw(st.sampled_from([1, -1]), label="direction")
    if column == "details":
        value = data.draw(st.dictionaries(SHORT, st.one_of(SHORT, st.integers(-5, 5)), max_size=3), label="details")
        return json.dumps(value) if value != current else json.dumps({**value, "x": "y"})
    return data.draw((TEXT if column == "actor_label" else SHORT).filter(lambda v: v != current), label=column)


def _forged_event(data, world) -> AuditEvent:
    head = AuditEvent.objects.filter(sequence__isnull=False).latest("sequence")
    forged = AuditEvent(
        action=data.draw(st.sampled_from(["registration.confirm", "auth.login", "declaration.endorsed"])),
        object_type="missions.registration",
        object_id=str(data.draw(st.integers(1, 99), label="object")),
        created_at=head.created_at - timedelta(days=data.draw(st.integers(-1, 400), label="back-dated days")),
        sequence=head.sequence + 1,
        previous_hash=head.record_hash,
        key_id=head.key_id,
        details={},
    )
    payload = canonical({"kind": "audit_event", **event_data(forged)})
    guess = data.draw(st.sampled_from([None, b"a guessed key of thirty-two bytes!"]), label="key")
    forged.record_hash = (
        hmac.new(guess, payload, hashlib.sha256).hexdigest() if guess else hashlib.sha256(payload).hexdigest()
    )
    forged.save(force_insert=True)
    return forged


AUDIT_TAMPERINGS = ("column", "delete", "forge", "legacy", "personal", "personal_delete", "personal_add", "erase")


def _audit_tampering(data, world, touched: set, kinds: list) -> None:
    kind = data.draw(
        st.sampled_from(
            ["column", "delete", "forge", "legacy", "personal", "personal_delete", "personal_add", "erase"]
        ),
        label="kind",
    )
    events = world["events"]
    if kind == "column":
        event = data.draw(st.sampled_from(events), label="event")
        column = data.draw(st.sampled_from([*EVENT_FIELDS, "record_hash"]), label="column")
        value = _event_value(data, world, event, column)
        _execute(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, event.pk])  # noqa: S608
        kinds.append(f"column:{column}")
        touched.add(event.pk)
    elif kind == "delete":
        event = data.draw(st.sampled_from(events), label="event")
        _execute("DELETE FROM audit_auditeventpersonal WHERE event_id = %s OR erasure_event_id = %s", [event.pk] * 2)
        _execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        kinds.append("delete")
        touched.update(e.pk for e in events if e.sequence == event.sequence + 1)  # the gap is named after it
        if event is events[-1]:
            touched.add(TAIL)  # a deleted head: the checkpoint's signed head is missing
    elif kind == "forge":
        kinds.append("forge")
        touched.add(_forged_event(data, world).pk)
    elif kind == "legacy":
        _execute(
            "INSERT INTO audit_auditevent (actor_label, action, object_type, object_id, created_at, details) "
            "VALUES ('', %s, '', '', now() - interval '2 years', '{}')",
            [data.draw(SHORT, label="action")],
        )
        kinds.append("legacy")
        touched.add(events[0].pk)
    elif kind == "personal":
        event = data.draw(st.sampled_from(world["with_personal"]), label="event")
        column, value = data.draw(
            st.sampled_from(
                [
                    ("actor_email", "iemand-anders@example.org"),
                    ("ip_address", "198.51.100.9"),
                    ("user_agent", "curl/8"),
                    ("details", '{"email": "x@example.org"}'),
                    ("salt", "00" * 16),
                ]
            ),
            label="personal column",
        )
        _execute(f"UPDATE audit_auditeventpersonal SET {column} = %s WHERE event_id = %s", [value, event.pk])  # noqa: S608
        kinds.append(f"personal:{column}")
        touched.add(event.pk)
    elif kind == "personal_delete":
        event = data.draw(st.sampled_from(world["with_personal"]), label="event")
        _execute("DELETE FROM audit_auditeventpersonal WHERE event_id = %s", [event.pk])
        kinds.append("personal_delete")
        touched.add(event.pk)
    elif kind == "personal_add":
        event = data.draw(st.sampled_from(world["without_personal"]), label="event")
        _execute(
            "INSERT INTO audit_auditeventpersonal (event_id, actor_email, user_agent, details, salt, subject_email) "
            "VALUES (%s, %s, '', '{}', '', '') ON CONFLICT DO NOTHING",
            [event.pk, data.draw(st.sampled_from(["nep@example.org", ""]), label="email")],
        )
        kinds.append("personal_add")
        touched.add(event.pk)
    else:  # emptied as an erasure, without its erasure event
        event = data.draw(st.sampled_from(world["with_personal"]), label="event")
        _execute(
            "UPDATE audit_auditeventpersonal SET actor_email = '', ip_address = NULL, user_agent = '', "
            "details = '{}', salt = '', erased_at = now(), erasure_event_id = %s WHERE event_id = %s",
            [data.draw(st.sampled_from([None, events[0].pk, event.pk]), label="claimed erasure event"), event.pk],
        )
        kinds.append("erase_unrecorded")
        touched.add(event.pk)


def test_random_tamperings_of_the_audit_trail_are_all_detected_and_named(world, capsys):
    figures = Figures(capsys, "audit events")

    @given(data=st.data())
    @HYPOTHESIS
    def tamper(data):
        def change():
            touched, kinds = set(), []
            for _ in range(data.draw(st.integers(1, 3), label="tamperings")):
                _audit_tampering(data, world, touched, kinds)

            def named(problem):
                return problem.event in touched or (TAIL in touched and problem.code == "audit_events_missing")

            figures.check(kinds, named)

        _rolled_back(change)

    tamper()
    figures.report()


# -- published texts -----------------------------------------------------------------------------

TEXT_COLUMNS = ("kind", "version", "language", "body", "oecd_edition", "sha256", "published_at", "delete")


def _text_tampering(data, world, touched: set, kinds: list) -> None:
    text = data.draw(st.sampled_from(world["texts"]), label="text")
    column = data.draw(st.sampled_from(TEXT_COLUMNS), label="column")
    kinds.append(f"text:{column}")
    touched.add(text.pk)
    if column == "delete":
        _execute("DELETE FROM declarations_declarationtext WHERE id = %s", [text.pk])
        return
    if column == "body":
        body = data.draw(TEXT.filter(lambda v: v != text.body), label="body")
        rehash = data.draw(st.booleans(), label="sha256 recomputed")
        sql = "body = %s, sha256 = %s" if rehash else "body = %s, sha256 = sha256"
        params = [body, hashlib.sha256(body.encode()).hexdigest()] if rehash else [body]
        _execute(f"UPDATE declarations_declarationtext SET {sql} WHERE id = %s", [*params, text.pk])  # noqa: S608
        return
    value = {
        "kind": st.sampled_from(["mission", "subsidy", "loan", "other"]),
        "version": st.integers(1, 10_000),
        "language": st.sampled_from(["nl", "en", "de", "fr"]),
        "oecd_edition": st.sampled_from(["1976", "2011", "2023", "2025", ""]),
        "sha256": HEX64,
        "published_at": st.one_of(
            st.none(), st.integers(-(10**10), 10**10).map(lambda m: text.published_at + timedelta(microseconds=m))
        ),
    }[column]
    new = data.draw(value.filter(lambda v: v != getattr(text, column)), label=column)
    _execute(f"UPDATE declarations_declarationtext SET {column} = %s WHERE id = %s", [new, text.pk])  # noqa: S608


def test_random_tamperings_of_published_texts_are_all_detected_and_named(world, capsys):
    figures = Figures(capsys, "texts")

    @given(data=st.data())
    @HYPOTHESIS
    def tamper(data):
        def change():
            touched, kinds = set(), []
            for _ in range(data.draw(st.integers(1, 3), label="tamperings")):
                _text_tampering(data, world, touched, kinds)
            figures.check(kinds, lambda problem: problem.text in touched)

        _rolled_back(change)

    tamper()
    figures.report()


# -- current_declaration pointers ----------------------------------------------------------------


def test_random_moves_of_current_declaration_pointers_are_all_detected_and_named(world, capsys):
    figures = Figures(capsys, "pointers")
    latest = {}
    for record in world["records"]:
        latest[(record.subject_type, record.subject_id)] = record

    @given(data=st.data())
    @HYPOTHESIS
    def tamper(data):
        def change():
            touched, kinds = set(), []
            for _ in range(data.draw(st.integers(1, 3), label="moves")):
                subject = data.draw(st.sampled_from(world["subjects"]), label="subject")
                current = latest[("mission_registration", subject.pk)]
                target = data.draw(
                    st.sampled_from([None, *world["records"]]).filter(lambda r: r is None or r.pk != current.pk),
                    label="pointer",
                )
                _execute(
                    "UPDATE missions_registration SET current_declaration_id = %s WHERE id = %s",
                    [target.pk if target else None, subject.pk],
                )
                kinds.append(
                    "pointer:"
                    + ("empty" if target is None else "older" if target.subject_id == subject.pk else "other")
                )
                touched.add(current.sequence)
            figures.check(kinds, lambda problem: problem.code == "pointer_moved" and problem.sequence in touched)

        _rolled_back(change)

    tamper()
    figures.report()
