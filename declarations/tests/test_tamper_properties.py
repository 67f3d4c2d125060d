"""Property-based tamper tests: random mutations of a real chain on PostgreSQL must all be detected.

A chain of real declarations (through the registration flow) with checkpoints, one erased record
and the storage copies is built; then, as an insider with the owner's rights would, each example
switches the triggers off and changes random fields or records with raw SQL, runs
``declarations_verify`` and rolls the change back. Every mutation must be detected (100%), and the
report must name the record or checkpoint that was touched. Each test prints its figures.
"""

import base64
import hashlib
import hmac
import json
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from declarations.checkpoints import checkpoint_write
from declarations.hashing import FORMAT_FIELDS, canonical, record_data
from declarations.keys import LEGACY_KEY_ID, current_chain_key
from declarations.models import Checkpoint, Declaration
from declarations.protection import PROTECTED_TABLES
from declarations.references import reference_next
from declarations.services import declaration_personal_data_erase, declarations_verify

from .chain_tools import build_chain, store_all_copies, unkeyed_hash, wrong_key_hash

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CHAIN = 12
EVERY = 5  # checkpoints at #5 and #10, then one for the head (#12)
ERASED = 4  # record #4 has had its personal data erased
FORMAT_1 = 3  # records #1-#3 are written as the previous release wrote them (format 1)
EXAMPLES = 500  # per group (issue 22): every tampering in 500 random sequences is detected
HYPOTHESIS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
HEX64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)


@pytest.fixture
def chain(settings):
    """A verified chain, with the evidence triggers off for this test's transaction only."""
    settings.DECLARATION_CHECKPOINT_EVERY = EVERY
    records = build_chain(CHAIN, format_1=FORMAT_1)
    declaration_personal_data_erase(declaration=records[ERASED - 1])
    checkpoint_write()
    store_all_copies()
    assert declarations_verify().ok
    assert list(Checkpoint.objects.values_list("sequence", flat=True)) == [0, 5, 10, 12]  # genesis first
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in PROTECTED_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # a deleted record's rows dangle until the rollback
    # pytest-django rolls the test's transaction back, triggers included.
    return {r.sequence: r for r in Declaration.objects.select_related("personal")}


class Figures:
    def __init__(self, capsys, name: str):
        self.capsys, self.name, self.tried, self.detected, self.kinds = capsys, name, 0, 0, Counter()

    def check(self, kind: str, expect_named) -> None:
        """Verify the mutated chain; count; require detection and that the touched item is named."""
        result = declarations_verify()
        self.tried += 1
        self.kinds[kind] += 1
        self.detected += not result.ok
        assert not result.ok, f"{kind}: not detected"
        assert expect_named(result.problems), f"{kind}: detected but not named: {result.problems}"

    def report(self) -> None:
        with self.capsys.disabled():
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items()))
            print(f"\n[evidence] {self.name}: {self.tried} mutations, {self.detected} detected ({kinds})")
        assert self.tried == self.detected and self.tried > 0


def _execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rolled_back(mutate) -> None:
    savepoint = transaction.savepoint()
    try:
        mutate()
    finally:
        transaction.savepoint_rollback(savepoint)


def _sequences(problems) -> set:
    return {p.sequence for p in problems}


# Every evidential column of a record, with a strategy for a different value.
def _new_value(data, record, column):
    current = getattr(record, {f.column: f.attname for f in Declaration._meta.concrete_fields}.get(column, column))
    if column == "format_version":
        return data.draw(st.sampled_from([1, 2, 3]).filter(lambda v: v != current), label=column)
    if column == "subject_snapshot":
        key = data.draw(st.sampled_from(["code", "name_nl", "reference", "text_kind", "extra"]), label="snapshot key")
        return json.dumps({**current, key: data.draw(TEXT.filter(lambda v: v != current.get(key)), label="value")})
    if column == "confirms_authority":
        return not current
    if column == "signed_at":
        micros = data.draw(st.integers(min_value=1, max_value=10**10), label="shift µs")
        return current + timedelta(microseconds=micros) * data.draw(st.sampled_from([1, -1]))
    if column in ("subject_id", "organisation_id", "text_id", "user_id", "reused_from_id", "text_version"):
        return data.draw(st.integers(min_value=1, max_value=2**31 - 1).filter(lambda v: v != current), label=column)
    if column == "sequence":
        return data.draw(st.integers(min_value=CHAIN + 1, max_value=10**9), label="sequence")
    if column in ("text_sha256", "signed_text_sha256", "personal_hash", "previous_hash", "record_hash"):
        return data.draw(HEX64.filter(lambda v: v != current), label=column)
    if column == "key_id":
        return data.draw(
            st.sampled_from([LEGACY_KEY_ID, "hmac-000000000000", "hmac-" + "f" * 12]).filter(lambda v: v != current)
        )
    limits = {"organisation_kvk": 8, "text_language": 5, "decision": 20, "reference": 20, "text_kind": 20}
    limits["subject_type"] = 40
    minimum = 1 if column == "subject_type" else 0  # the database refuses an empty subject type anyway
    strategy = (
        TEXT
        if column not in limits
        else st.text(alphabet="abcdefghij_0123456789", min_size=minimum, max_size=limits[column])
    )
    return data.draw(strategy.filter(lambda v: v != current), label=column)


# Every stored column of a record of the current format (the random mutations hit format 2 records).
RECORD_COLUMNS = [*FORMAT_FIELDS[3], "record_hash", "key_id"]  # records are written as format 3
# The columns a format 1 record commits to (by the names its serialisation uses, which are its columns).
FORMAT_1_COLUMNS = [*FORMAT_FIELDS[1], "record_hash", "key_id"]


def _forge(record_after: Declaration, *, hasher, key_id: str) -> Declaration:
    forged = Declaration.objects.get(pk=record_after.pk)
    forged.pk = None
    forged.sequence = CHAIN + 1
    forged.reference = reference_next(signed_at=forged.signed_at, last_reference=record_after.reference)
    forged.previous_hash = record_after.record_hash
    forged.key_id = key_id
    forged.record_hash = hasher(forged)
    return forged


def _keyed(record) -> str:
    data = record_data(record)
    data["key_id"] = record.key_id
    return hmac.new(current_chain_key().secret, canonical(data), hashlib.sha256).hexdigest()


def test_random_changes_to_records_are_all_detected_and_named(chain, capsys):
    figures = Figures(capsys, "records")

    @given(data=st.data())
    @HYPOTHESIS
    def mutate(data):
        kind = data.draw(
            st.sampled_from(["field", "delete", "delete_tail", "swap", "forge", "rehash_suffix"]), label="kind"
        )

        def change():
            if kind == "field":
                seq = data.draw(st.integers(FORMAT_1 + 1, CHAIN), label="record")
                column = data.draw(st.sampled_from(RECORD_COLUMNS), label="column")
                value = _new_value(data, chain[seq], column)
                _execute(f"UPDATE declarations_declaration SET {column} = %s WHERE sequence = %s", [value, seq])  # noqa: S608
                named = value if column == "sequence" else seq
                figures.check(f"field:{column}", lambda problems: named in _sequences(problems))
            elif kind in ("delete", "delete_tail"):
                if kind == "delete":
                    gone = sorted(data.draw(st.sets(st.integers(1, CHAIN), min_size=1, max_size=3), label="records"))
                else:
                    gone = list(range(CHAIN - data.draw(st.integers(0, CHAIN - 1), label="tail"), CHAIN + 1))
                _execute("DELETE FROM declarations_declaration WHERE sequence = ANY(%s)", [gone])
                # named: the record after a gap, or the checkpoint head that is gone
                figures.check(kind, lambda problems: bool(_sequences(problems) - {None}))
            elif kind == "swap":
                a, b = sorted(data.draw(st.sets(st.integers(1, CHAIN), min_size=2, max_size=2), label="pair"))
                _execute("UPDATE declarations_declaration SET sequence = 0 WHERE sequence = %s", [a])
                _execute("UPDATE declarations_declaration SET sequence = %s WHERE sequence = %s", [a, b])
                _execute("UPDATE declarations_declaration SET sequence = %s WHERE sequence = 0", [b])
                figures.check("swap", lambda problems: {a, b} <= _sequences(problems))
            elif kind == "forge":
                hasher, key_id = data.draw(
                    st.sampled_from(
                        [
                            (unkeyed_hash, "current"),
                            (wrong_key_hash, "current"),
                            (unkeyed_hash, LEGACY_KEY_ID),
                            (wrong_key_hash, "hmac-000000000000"),
                        ]
                    ),
                    label="forgery",
                )
                key_id = current_chain_key().key_id if key_id == "current" else key_id
                forged = _forge(chain[CHAIN], hasher=hasher, key_id=key_id)
                columns = [*RECORD_COLUMNS, "explanation"]  # (format 3: not hashed, always empty)
                values = [
                    json.dumps(value) if isinstance(value, dict) else value
                    for value in (getattr(forged, c) for c in columns)
                ]
                marks = ", ".join(["%s"] * len(columns))
                _execute(f"INSERT INTO declarations_declaration ({', '.join(columns)}) VALUES ({marks})", values)  # noqa: S608
                figures.check("forge", lambda problems: CHAIN + 1 in _sequences(problems))
            else:
                start = data.draw(st.integers(2, CHAIN), label="from")
                hasher = data.draw(st.sampled_from([unkeyed_hash, wrong_key_hash, _keyed]), label="hasher")
                _execute("UPDATE declarations_declaration SET decision = 'withdrawn' WHERE sequence = %s", [start])
                previous = chain[start - 1].record_hash
                for record in Declaration.objects.filter(sequence__gte=start).order_by("sequence"):
                    record.previous_hash = previous
                    record.record_hash = hasher(record)
                    _execute(
                        "UPDATE declarations_declaration SET previous_hash = %s, record_hash = %s WHERE id = %s",
                        [f"p{record.sequence:063d}", f"r{record.sequence:063d}", record.pk],
                    )
                    _execute(
                        "UPDATE declarations_declaration SET previous_hash = %s, record_hash = %s WHERE id = %s",
                        [record.previous_hash, record.record_hash, record.pk],
                    )
                    previous = record.record_hash
                # without the key: every re-hashed record; with it: the signed checkpoint at or after ``start``
                figures.check(f"rehash:{hasher.__name__}", lambda problems: bool(_sequences(problems) - {None}))

        _rolled_back(change)

    mutate()
    figures.report()


PERSONAL_COLUMNS = ["signatory_name", "signatory_position", "ip_address", "user_agent", "salt", "erased_at"]


def test_random_changes_to_personal_data_and_erasures_are_all_detected_and_named(chain, capsys):
    figures = Figures(capsys, "personal data and erasures")

    @given(data=st.data())
    @HYPOTHESIS
    def mutate(data):
        kind = data.draw(st.sampled_from(["personal", "erase_mark", "erasure_row", "fake_erasure"]), label="kind")
        seq = data.draw(st.integers(1, CHAIN), label="record")
        record = chain[seq]

        def change():
            if kind == "personal":
                column = data.draw(st.sampled_from(PERSONAL_COLUMNS), label="column")
                current = getattr(record.personal, column)
                if column == "ip_address":
                    value = data.draw(st.ip_addresses(v=4).map(str).filter(lambda v: v != current), label="ip")
                elif column == "erased_at":
                    value = None if current else record.signed_at + timedelta(days=1)
                else:
                    value = data.draw(TEXT.filter(lambda v: v != current and (current or v)), label=column)
                _execute(
                    f"UPDATE declarations_declarationpersonaldata SET {column} = %s WHERE declaration_id = %s",  # noqa: S608
                    [value, record.pk],
                )
            elif kind == "erase_mark":  # an erasure's look without its erasure record (or, on #4, another time)
                _execute(
                    "UPDATE declarations_declarationpersonaldata SET signatory_name = '', signatory_position = '', "
                    "user_agent = '', salt = '', ip_address = NULL, erased_at = %s WHERE declaration_id = %s",
                    [record.signed_at + timedelta(days=data.draw(st.integers(1, 3000), label="days")), record.pk],
                )
            elif kind == "erasure_row":
                erased = chain[ERASED]
                column, value = data.draw(
                    st.sampled_from(
                        [
                            ("mac", "0" * 64),
                            ("key_id", "hmac-000000000000"),
                            ("erased_at", erased.personal.erased_at + timedelta(seconds=1)),
                            ("declaration_id", record.pk),
                        ]
                    ).filter(lambda cv: cv != ("declaration_id", erased.pk)),
                    label="erasure change",
                )
                _execute(
                    f"UPDATE declarations_personaldataerasure SET {column} = %s WHERE declaration_id = %s",  # noqa: S608
                    [value, erased.pk],
                )
            else:
                mac = data.draw(HEX64, label="mac")
                when = record.signed_at + timedelta(days=1)
                _execute("DELETE FROM declarations_personaldataerasure WHERE declaration_id = %s", [record.pk])
                _execute(
                    "INSERT INTO declarations_personaldataerasure (declaration_id, erased_at, key_id, mac) "
                    "VALUES (%s, %s, %s, %s)",
                    [record.pk, when, current_chain_key().key_id, mac],
                )
                _execute(
                    "UPDATE declarations_declarationpersonaldata SET signatory_name = '', signatory_position = '', "
                    "user_agent = '', salt = '', ip_address = NULL, erased_at = %s WHERE declaration_id = %s",
                    [when, record.pk],
                )
            touched = {ERASED, seq} if kind == "erasure_row" else {seq}
            figures.check(kind, lambda problems: bool(touched & _sequences(problems)))

        _rolled_back(change)

    mutate()
    figures.report()


CHECKPOINT_COLUMNS = [
    "number",
    "sequence",
    "record_hash",
    "record_count",
    "chain_key_id",
    "created_at",
    "next_due",
    "reason",
    "previous_hash",
    "signing_key_id",
    "signature",
]


def test_random_changes_to_checkpoints_are_all_detected_and_named(chain, capsys):
    figures = Figures(capsys, "checkpoints")
    checkpoints = {c.number: c for c in Checkpoint.objects.all()}

    @given(data=st.data())
    @HYPOTHESIS
    def mutate(data):
        kind = data.draw(st.sampled_from(["delete", "field"]), label="kind")
        number = data.draw(st.sampled_from(sorted(checkpoints)), label="checkpoint")

        def change():
            if kind == "delete":
                _execute("DELETE FROM declarations_checkpoint WHERE number = %s", [number])
            else:
                column = data.draw(st.sampled_from(CHECKPOINT_COLUMNS), label="column")
                current = getattr(checkpoints[number], column)
                if column == "created_at":
                    value = current - timedelta(microseconds=data.draw(st.integers(1, 10**10)))
                elif column in ("number", "sequence", "record_count", "next_due"):
                    value = data.draw(st.integers(100, 10**6), label=column)
                elif column == "signature":
                    value = data.draw(st.binary(min_size=64, max_size=64).map(_b64), label="signature")
                elif column in ("record_hash", "previous_hash"):
                    value = data.draw(HEX64.filter(lambda v: v != current), label=column)
                else:
                    value = data.draw(st.sampled_from(["interval", "hourly", "manual", "legacy", "x" * 12]))
                    value = value if value != current else value + "-"
                _execute(f"UPDATE declarations_checkpoint SET {column} = %s WHERE number = %s", [value, number])  # noqa: S608
            figures.check(f"checkpoint_{kind}", lambda problems: number in {p.checkpoint for p in problems})

        _rolled_back(change)

    mutate()
    figures.report()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _changes_common(record, chain) -> dict:
    """A different value for each column every format commits to."""
    return {
        "organisation_id": record.organisation_id + 1000,
        "organisation_name": record.organisation_name + ".",
        "organisation_kvk": "00000000",
        "text_id": record.text_id + 1000,
        "text_version": record.text_version + 1,
        "text_language": "en",
        "text_sha256": "0" * 64,
        "decision": "withdrawn",
        "explanation": "Toegevoegd",
        "confirms_authority": not record.confirms_authority,
        "user_id": (record.user_id or 0) + 1000,
        "signed_at": record.signed_at + timedelta(microseconds=1),
        "brochure_version": "v9",
        "reused_from_id": chain[1].pk,
        "personal_hash": "1" * 64,
        "previous_hash": "2" * 64,
        "record_hash": "3" * 64,
        "key_id": LEGACY_KEY_ID,
        "authority": "eherkenning;urn:etoegang:core:assurance-class:loa4;2026-01-01T00:00:00+00:00",
    }


def test_every_evidential_column_is_covered(chain, capsys):
    """Besides the random draws: each column of a record, a personal row and a checkpoint, changed once."""
    figures = Figures(capsys, "every column once")
    middle, checkpoint = chain[7], Checkpoint.objects.get(number=2)
    assert (chain[2].format_version, middle.format_version) == (1, 3)
    changes = {
        **_changes_common(middle, chain),
        "format_version": 1,
        "subject_type": "instrument_application",
        "subject_id": middle.subject_id + 1000,
        "subject_snapshot": json.dumps({**middle.subject_snapshot, "name_nl": "Een andere missie"}),
        "text_kind": "subsidy",
        "signed_text_sha256": "4" * 64,
        "sequence": 999,
        "reference": "",  # formats 2 and 3 hash it empty or not
    }
    changes.pop("explanation", None)  # format 3: typed text is in the personal part (changed below)
    assert set(changes) == set(RECORD_COLUMNS)
    legacy = chain[2]
    changes_1 = {
        **_changes_common(legacy, chain),
        "sequence": 998,
        "registration_id": legacy.legacy_registration_id + 1000,
        "instrument_application_id": 5,
        "instrument_code": "X",
        "application_reference": "R-1",
        "framework_level": 2,
        "reference": "",  # posing as a record from before references (format 1 leaves it out when empty)
    }
    assert set(changes_1) == set(FORMAT_1_COLUMNS)
    # The subject copy of a format 1 record is outside its hash: verification compares it instead.
    changes_1_copy = {"subject_type": "instrument_application", "subject_id": legacy.subject_id + 1000}
    for seq, renumbered, table in ((7, 999, changes), (2, 998, changes_1), (2, None, changes_1_copy)):
        for column, value in table.items():
            _rolled_back(
                lambda column=column, value=value, seq=seq, renumbered=renumbered: (
                    _execute(f"UPDATE declarations_declaration SET {column} = %s WHERE sequence = %s", [value, seq]),  # noqa: S608
                    figures.check(
                        f"record{seq}.{column}",
                        lambda p: (renumbered if column == "sequence" else seq) in _sequences(p),
                    ),
                )
            )
    for column, value in {
        "signatory_name": "X",
        "signatory_position": "Y",
        "ip_address": "192.0.2.99",
        "user_agent": "Z",
        "salt": "0" * 32,
        "explanation": "Een getypte reden",
        "erased_at": middle.signed_at,
    }.items():
        _rolled_back(
            lambda column=column, value=value: (
                _execute(
                    f"UPDATE declarations_declarationpersonaldata SET {column} = %s WHERE declaration_id = %s",  # noqa: S608
                    [value, middle.pk],
                ),
                figures.check(f"personal.{column}", lambda p: 7 in _sequences(p)),
            )
        )
    for column in CHECKPOINT_COLUMNS:
        value = getattr(checkpoint, column)
        value = (
            value + 50
            if isinstance(value, int)
            else value + timedelta(microseconds=1)
            if column == "created_at"
            else "A" * 88
            if column == "signature"
            else "f" * 64
            if column.endswith("hash")
            else "manual-"
        )
        _rolled_back(
            lambda column=column, value=value: (
                _execute(f"UPDATE declarations_checkpoint SET {column} = %s WHERE number = 2", [value]),  # noqa: S608
                figures.check(f"checkpoint.{column}", lambda p: 2 in {x.checkpoint for x in p}),
            )
        )
    figures.report()
