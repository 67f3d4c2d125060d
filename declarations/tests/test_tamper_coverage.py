"""What a verdict depends on besides the records (issue 22, item 3), tampered with as an insider would.

The audit trail's keyed chain and its personal parts, the published texts, the subjects'
``current_declaration`` pointers and erasures: each tampering is detected by ``declarations_verify``
with the event, text or record named. These run on the configured database: SQLite locally,
PostgreSQL in CI (the tamper SQL runs as the owner, with the triggers switched off).
"""

import hashlib
import json
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.chain import EVENT_FIELDS, event_hash
from audit.models import AuditEvent, AuditEventPersonal
from audit.services import (
    actor_display,
    audit_event_record,
    audit_personal_erase,
    personal_part_verified,
    personal_unverified,
)
from declarations.checkpoints import checkpoint_payload, checkpoint_write
from declarations.models import Checkpoint, DeclarationPersonalData, DeclarationText
from declarations.protection import evidence_protection_lifted
from declarations.receipt_check import receipt_check
from declarations.references import verification_code
from declarations.services import declaration_personal_data_erase, declarations_verify
from missions.models import Registration
from tests.factories import member_of

from .chain_tools import build_chain, sign, store_all_copies, tamper

pytestmark = pytest.mark.django_db

CHAIN = 6
EVERY = 3


@pytest.fixture
def chain(settings):
    settings.DECLARATION_CHECKPOINT_EVERY = EVERY
    records = build_chain(CHAIN)
    user = member_of(user__email="lid@example.org")
    audit_event_record(action="auth.login", actor=user, obj=user, ip_address="192.0.2.7", details={"email": "x@y.nl"})
    checkpoint_write()
    store_all_copies()
    result = declarations_verify()
    assert result.ok, result.problems
    return records


def _codes(result) -> list[tuple]:
    return [(p.code, p.event or p.text or p.sequence) for p in result.problems]


def _event(action="auth.login") -> AuditEvent:
    return AuditEvent.objects.filter(action=action).select_related("personal").latest("sequence")


# -- the audit trail ---------------------------------------------------------------------------


def test_every_event_is_chained_with_a_keyed_hash_and_the_checkpoint_signs_the_head(chain):
    events = list(AuditEvent.objects.filter(sequence__isnull=False).order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert all(e.record_hash == event_hash(e) and e.key_id for e in events)
    assert all(b.previous_hash == a.record_hash for a, b in zip(events, events[1:], strict=False))
    latest = Checkpoint.objects.latest("number")
    payload = checkpoint_payload(latest)
    assert payload["format"] == 2 and (payload["audit_sequence"], payload["audit_hash"]) == (
        latest.audit_sequence,
        latest.audit_hash,
    )
    assert AuditEvent.objects.get(sequence=latest.audit_sequence).record_hash == latest.audit_hash
    # Nothing new since: no new checkpoint (its own audit event is no news).
    assert checkpoint_write() is None


COLUMN_CHANGES = {
    "sequence": "sequence = sequence + 1000",
    "previous_hash": "previous_hash = %s",
    "key_id": "key_id = 'hmac-000000000000'",
    "actor_id": "actor_id = NULL",
    "actor_label": "actor_label = 'user#999'",
    "action": "action = 'auth.logout'",
    "object_type": "object_type = 'missions.mission'",
    "object_id": "object_id = '999'",
    "organisation_id": "organisation_id = 424242",
    "created_at": "created_at = %s",
    "details": "details = %s",
    "personal_hash": "personal_hash = %s",
}


@pytest.mark.parametrize("column", EVENT_FIELDS)
def test_a_changed_event_column_is_detected_and_the_event_named(chain, column):
    event = _event()
    change = COLUMN_CHANGES[column]
    params = {
        "previous_hash": ["0" * 64],
        "created_at": [event.created_at - timedelta(days=3)],  # back-dated
        "details": [json.dumps({"reason": "forged"})],
        "personal_hash": ["f" * 64],
    }.get(column, [])
    tamper(f"UPDATE audit_auditevent SET {change} WHERE id = %s", [*params, event.pk])  # noqa: S608
    found = _codes(declarations_verify())
    assert found and all(code.startswith("audit_") for code, _ in found)
    assert ("audit_hash_mismatch", event.pk) in found or ("audit_unknown_key", event.pk) in found


def test_a_deleted_event_is_a_gap_and_deleted_last_events_are_missing_under_the_checkpoint(chain):
    middle = AuditEvent.objects.get(sequence=3)
    tamper("DELETE FROM audit_auditeventpersonal WHERE event_id = %s", [middle.pk])
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [middle.pk])
    assert ("audit_sequence_gap", AuditEvent.objects.get(sequence=4).pk) in _codes(declarations_verify())


def test_deleting_the_last_events_is_detected_by_the_signed_audit_head(chain):
    head = Checkpoint.objects.latest("number").audit_sequence
    tamper(
        "DELETE FROM audit_auditeventpersonal WHERE event_id IN (SELECT id FROM audit_auditevent WHERE sequence >= %s)",
        [head - 1],
    )
    tamper("DELETE FROM audit_auditevent WHERE sequence >= %s", [head - 1])
    problems = declarations_verify().problems
    assert [p.code for p in problems] == ["audit_events_missing"]
    assert f"#{head - 1}-#{head}" in problems[0].message


def _forge(*, key: bytes | None, created_at=None) -> AuditEvent:
    """Append an event as an insider would: chained to the head, hashed with ``key`` (None: unkeyed)."""
    import hmac as hmac_module

    from audit.chain import canonical, event_data

    head = AuditEvent.objects.filter(sequence__isnull=False).latest("sequence")
    forged = AuditEvent(
        action="registration.confirm",
        object_type="missions.registration",
        object_id="1",
        created_at=created_at or timezone.now(),
        sequence=head.sequence + 1,
        previous_hash=head.record_hash,
        key_id=head.key_id,
        details={},
    )
    data = canonical({"kind": "audit_event", **event_data(forged)})
    forged.record_hash = (
        hmac_module.new(key, data, hashlib.sha256).hexdigest() if key else hashlib.sha256(data).hexdigest()
    )
    with evidence_protection_lifted():
        forged.save(force_insert=True)
    return forged


@pytest.mark.parametrize("key", [None, b"an insider's guess at the chain key, not the key"])
@pytest.mark.parametrize("back_dated", [False, True])
def test_forged_and_back_dated_events_are_detected_and_named(chain, key, back_dated):
    when = timezone.now() - timedelta(days=30) if back_dated else None
    forged = _forge(key=key, created_at=when)
    assert _codes(declarations_verify()) == [("audit_hash_mismatch", forged.pk)]


def test_an_event_added_before_the_chain_is_detected(chain):
    tamper(
        "INSERT INTO audit_auditevent (actor_label, action, object_type, object_id, created_at, details) "
        "VALUES ('', 'auth.login', '', '', %s, '{}')",
        [timezone.now() - timedelta(days=400)],
    )
    first = AuditEvent.objects.get(sequence=1)
    assert _codes(declarations_verify()) == [("audit_legacy_changed", first.pk)]


# -- the personal part of audit events ---------------------------------------------------------


def test_a_changed_actor_email_is_detected_and_never_shown_as_fact(chain):
    event = _event()
    assert actor_display(event) == "lid@example.org" and personal_part_verified(event) is not None
    tamper(
        "UPDATE audit_auditeventpersonal SET actor_email = 'iemand-anders@example.org' WHERE event_id = %s", [event.pk]
    )
    assert _codes(declarations_verify()) == [("audit_personal_mismatch", event.pk)]
    event = _event()
    assert personal_unverified(event) and personal_part_verified(event) is None
    assert actor_display(event) == event.actor_label  # the pseudonym, never the changed address


@pytest.mark.parametrize(
    ("column", "value"),
    [("ip_address", "198.51.100.1"), ("user_agent", "curl"), ("details", '{"email": "z@y.nl"}'), ("salt", "00")],
)
def test_every_committed_personal_value_is_covered(chain, column, value):
    event = _event()
    tamper(f"UPDATE audit_auditeventpersonal SET {column} = %s WHERE event_id = %s", [value, event.pk])  # noqa: S608
    assert _codes(declarations_verify()) == [("audit_personal_mismatch", event.pk)]


def test_a_deleted_or_added_personal_part_is_detected(chain):
    event = _event()
    tamper("DELETE FROM audit_auditeventpersonal WHERE event_id = %s", [event.pk])
    without = AuditEvent.objects.filter(personal__isnull=True, sequence__isnull=False).first()
    tamper(
        "INSERT INTO audit_auditeventpersonal (event_id, actor_email, user_agent, details, salt, subject_email) "
        "VALUES (%s, 'nep@example.org', '', '{}', '', '')",
        [without.pk],
    )
    assert sorted(_codes(declarations_verify())) == sorted(
        [("audit_personal_missing", event.pk), ("audit_personal_added", without.pk)]
    )


def test_an_erasure_with_its_event_verifies_and_one_without_is_refused_and_detected(chain):
    event = _event()
    erased = audit_personal_erase(rows=AuditEventPersonal.objects.filter(event=event))
    assert erased == 1 and declarations_verify().ok
    personal = AuditEventPersonal.objects.get(event=event)
    assert (
        personal.erasure_event.action == "audit.personal_erase"
        and personal.erased_at == personal.erasure_event.created_at
    )
    # Another part, emptied without an erasure event: the database refuses it...
    other = audit_event_record(action="auth.logout", actor=member_of(), ip_address="192.0.2.8")
    with pytest.raises(DatabaseError, match="only be erased"), transaction.atomic():
        AuditEventPersonal.objects.filter(event=other).update(
            actor_email="", ip_address=None, user_agent="", details={}, salt="", erased_at=timezone.now()
        )
    # ...and the owner, switching the triggers off, is named by verification.
    tamper(
        "UPDATE audit_auditeventpersonal SET actor_email = '', ip_address = NULL, user_agent = '', details = '{}', "
        "salt = '', erased_at = %s WHERE event_id = %s",
        [timezone.now(), other.pk],
    )
    assert _codes(declarations_verify()) == [("audit_erasure_unrecorded", other.pk)]


# -- declaration personal data: erasure needs its audit event -----------------------------------


def test_erasing_a_signatorys_data_without_its_audit_event_is_refused_and_detected(chain):
    record = chain[1]
    assert declaration_personal_data_erase(declaration=record) and declarations_verify().ok
    other = chain[2]
    with pytest.raises(DatabaseError, match="only be erased"), transaction.atomic():
        DeclarationPersonalData.objects.filter(pk=other.pk).update(signatory_name="", erased_at=timezone.now())
    tamper(
        "UPDATE declarations_declarationpersonaldata SET signatory_name = '', signatory_position = '', "
        "user_agent = '', salt = '', ip_address = NULL, erased_at = %s WHERE declaration_id = %s",
        [timezone.now(), other.pk],
    )
    assert ("erasure_unaudited", other.sequence) in _codes(declarations_verify())


# -- published texts ------------------------------------------------------------------------------

TEXT_CHANGES = {
    "version": ("version = version + 10", []),
    "language": ("language = 'en'", []),
    "oecd_edition": ("oecd_edition = '2011'", []),
    "kind": ("kind = 'subsidy'", []),
    "published_at": ("published_at = %s", [timezone.now() - timedelta(days=700)]),
    "body": ("body = body || ' (gewijzigd)'", []),
    "body and sha256": ("body = 'Andere tekst', sha256 = %s", [hashlib.sha256(b"Andere tekst").hexdigest()]),
}


@pytest.mark.parametrize("change", TEXT_CHANGES)
def test_a_changed_text_row_is_detected_naming_the_text_and_its_records(chain, change):
    text = chain[0].text
    sql, params = TEXT_CHANGES[change]
    tamper(f"UPDATE declarations_declarationtext SET {sql} WHERE id = %s", [*params, text.pk])  # noqa: S608
    problems = declarations_verify().problems
    about_text = [p for p in problems if p.text == text.pk]
    assert about_text and about_text[0].code == "text_changed"
    assert all(f"#{r.sequence}" in about_text[0].message for r in chain)


def test_a_deleted_text_row_is_detected_naming_the_text_and_its_records(chain):
    text = chain[0].text
    savepoint = transaction.savepoint()  # rolled back: the row is back before the constraint checks
    with connection.cursor() as cursor:  # as the owner: the text's trigger off, the foreign keys deferred
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("ALTER TABLE declarations_declarationtext DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS evidence_declarations_declarationtext_delete")
        cursor.execute("DELETE FROM declarations_declarationtext WHERE id = %s", [text.pk])
    problems = declarations_verify().problems
    transaction.savepoint_rollback(savepoint)
    about_text = [p for p in problems if p.text == text.pk]
    assert [p.code for p in about_text] == ["text_missing"]
    assert all(f"#{r.sequence}" in about_text[0].message for r in chain)
    assert {p.sequence for p in problems if p.code == "text_missing" and p.text is None} == {r.sequence for r in chain}


def test_verify_page_never_shows_facts_of_a_text_row_that_fails(chain, client):
    record = chain[0]
    tamper("UPDATE declarations_declarationtext SET oecd_edition = '1976' WHERE id = %s", [record.text_id])
    result = receipt_check(reference=record.reference, code=verification_code(record), method="form")
    assert result is not None and not result.text_verified
    response = client.post("/verify/", {"reference": record.reference, "code": verification_code(record)})
    page = response.content.decode()
    assert "1976" not in page and 'data-field="text-unverified"' in page
    assert DeclarationText.objects.get(pk=record.text_id).oecd_edition == "1976"


# -- current_declaration pointers ----------------------------------------------------------------


def test_a_moved_pointer_is_named_and_verify_says_replaced_from_the_chain(chain, client):
    first = chain[0]
    registration = Registration.objects.get(pk=first.subject_id)
    later = sign(mission=registration.mission, user=member_of())  # another registration, same mission
    tamper("UPDATE missions_registration SET current_declaration_id = %s WHERE id = %s", [later.pk, registration.pk])
    assert _codes(declarations_verify()) == [("pointer_moved", first.sequence)]
    # The record itself is still the latest of its subject: /verify/ says so, whatever the pointer says.
    result = receipt_check(reference=first.reference, code=verification_code(first), method="form")
    assert result.is_current


def test_a_pointer_moved_back_to_a_replaced_record_is_named_and_not_called_current(chain):
    """The issue's attack: the pointer back on an older record, so a replaced declaration looks current."""
    from missions.services import registration_withdraw

    first = chain[0]
    registration = Registration.objects.get(pk=first.subject_id)
    registration_withdraw(registration=registration, actor=first.user, reason="Andere prioriteiten")
    withdrawal = Registration.objects.get(pk=registration.pk).current_declaration
    assert withdrawal.sequence > first.sequence and declarations_verify().ok
    tamper("UPDATE missions_registration SET current_declaration_id = %s WHERE id = %s", [first.pk, registration.pk])
    assert _codes(declarations_verify()) == [("pointer_moved", withdrawal.sequence)]
    result = receipt_check(reference=first.reference, code=verification_code(first), method="form")
    assert not result.is_current


def test_a_format_1_checkpoint_stays_verifiable_and_cannot_pose_as_format_2(chain):
    import base64

    from declarations.checkpoints import checkpoint_digest
    from declarations.hashing import canonical
    from declarations.keys import checkpoint_signing_key

    last = Checkpoint.objects.latest("number")
    key = checkpoint_signing_key()
    old = Checkpoint(
        format=1,
        number=last.number + 1,
        sequence=last.sequence,
        record_hash=last.record_hash,
        record_count=last.record_count,
        chain_key_id=last.chain_key_id,
        created_at=timezone.now(),
        next_due=last.next_due,
        reason="manual",
        previous_hash=checkpoint_digest(last),
        signing_key_id=key.key_id,
    )
    assert "audit_sequence" not in checkpoint_payload(old)
    old.signature = base64.b64encode(key.private_key.sign(canonical(checkpoint_payload(old)))).decode()
    old.save()
    store_all_copies()
    assert declarations_verify().ok
    tamper(
        "UPDATE declarations_checkpoint SET format = 2, audit_sequence = 1, audit_hash = %s WHERE id = %s",
        ["0" * 64, old.pk],
    )
    named = {(p.code, p.checkpoint) for p in declarations_verify().problems}
    assert ("checkpoint_bad_signature", old.number) in named
