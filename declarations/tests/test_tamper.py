"""Each way an insider with the owner's database rights could rewrite the evidence, and its detection.

These run on the configured database: SQLite locally, PostgreSQL in CI (where the tamper SQL runs
as the owner, with the triggers switched off, exactly as an insider would).
"""

import hashlib
import hmac

import pytest
from django.core.files.storage import storages
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from declarations.checkpoints import checkpoint_storage_name, checkpoint_write
from declarations.hashing import canonical, erasure_mac, record_data
from declarations.keys import LEGACY_KEY_ID, current_chain_key
from declarations.models import Checkpoint, Declaration, DeclarationPersonalData
from declarations.references import reference_next
from declarations.services import declaration_personal_data_erase, declarations_verify

from .chain_tools import (
    build_chain,
    insert_record,
    sign,
    store_all_copies,
    tamper,
    unkeyed_hash,
    verify_command,
    wrong_key_hash,
)

pytestmark = pytest.mark.django_db

CHAIN = 8
EVERY = 3  # checkpoints at #3 and #6, then one for the head (#8)


@pytest.fixture
def chain(settings):
    settings.DECLARATION_CHECKPOINT_EVERY = EVERY
    records = build_chain(CHAIN)
    checkpoint_write()
    store_all_copies()
    assert declarations_verify().ok
    return records


def _found(result) -> list[tuple]:
    return [(p.sequence, p.code) for p in result.problems]


def _forge_next(last: Declaration, *, key_id: str, hasher) -> Declaration:
    forged = Declaration.objects.get(pk=last.pk)
    forged.pk = None
    forged.sequence = last.sequence + 1
    forged.reference = reference_next(signed_at=forged.signed_at, last_reference=last.reference)
    forged.previous_hash = last.record_hash
    forged.decision = "endorsed"
    forged.key_id = key_id
    forged.record_hash = hasher(forged)
    insert_record(forged)
    return forged


@pytest.mark.parametrize(
    ("key_id", "hasher", "code"),
    [
        ("current", unkeyed_hash, "hash_mismatch"),  # the correctly recomputed SHA-256 of the issue
        ("current", wrong_key_hash, "hash_mismatch"),  # an HMAC with a guessed key
        (LEGACY_KEY_ID, unkeyed_hash, "legacy_unanchored"),  # posing as a record from before the keyed chain
        ("hmac-000000000000", wrong_key_hash, "unknown_key"),  # claiming a key the portal does not have
    ],
)
def test_appended_forgery_is_detected_and_named(chain, key_id, hasher, code):
    key_id = current_chain_key().key_id if key_id == "current" else key_id
    _forge_next(chain[-1], key_id=key_id, hasher=hasher)
    # The forger did not bother with a personal-data row, nor with moving the subject's pointer (which
    # would need an audited UPDATE): both are reported too, after the hash.
    assert _found(declarations_verify()) == [
        (CHAIN + 1, code),
        (CHAIN + 1, "personal_missing"),
        (CHAIN + 1, "pointer_moved"),
    ]
    exit_code, _out, err = verify_command()
    assert exit_code == 1 and f"Declaration #{CHAIN + 1}:" in err


def _delete_records(sequences) -> None:
    ids = list(Declaration.objects.filter(sequence__in=sequences).values_list("pk", flat=True))
    marks = ", ".join(["%s"] * len(ids))
    tamper(
        f"UPDATE missions_registration SET current_declaration_id = NULL WHERE current_declaration_id IN ({marks})",  # noqa: S608
        ids,
    )
    for table in ("declarations_receipt", "declarations_declarationpersonaldata"):
        tamper(f"DELETE FROM {table} WHERE declaration_id IN ({marks})", ids)  # noqa: S608
    tamper(f"DELETE FROM declarations_declaration WHERE id IN ({marks})", ids)  # noqa: S608


def test_deleting_the_last_records_is_detected_through_the_checkpoint(chain):
    _delete_records([7, 8])
    result = declarations_verify()
    assert _found(result) == [(8, "records_missing")]
    assert "#7-#8" in result.problems[0].message and result.problems[0].checkpoint == 3


def test_deleting_the_last_records_and_their_checkpoint_row_is_detected_through_the_storage_copy(chain):
    _delete_records([7, 8])
    tamper("DELETE FROM declarations_checkpoint WHERE number = 3")
    result = declarations_verify()
    assert sorted((p.code, p.checkpoint) for p in result.problems) == [
        ("checkpoint_missing", 3),
        ("records_missing", 3),
    ]


def test_deleting_every_record_is_detected(chain):
    _delete_records(range(1, CHAIN + 1))
    assert _found(declarations_verify()) == [(3, "records_missing"), (6, "records_missing"), (8, "records_missing")]


def test_the_unprotected_window_is_the_tail_after_the_latest_checkpoint(chain, settings):
    """Stated limit: records not yet covered by a checkpoint can vanish unnoticed until the next one.

    The next interval checkpoint (at most DECLARATION_CHECKPOINT_EVERY records later) or the hourly
    one closes the window; from then on their removal is detected.
    """
    sign()
    sign()  # #9 and #10 are not covered yet
    _delete_records([10])
    result = declarations_verify()
    assert result.ok and result.unanchored == 1
    checkpoint_write()  # what beat does every hour
    _delete_records([9])
    assert _found(declarations_verify()) == [(9, "records_missing")]


def test_changed_field_is_named(chain):
    tamper("UPDATE declarations_declaration SET decision = 'not_endorsed' WHERE sequence = 4")
    assert _found(declarations_verify()) == [(4, "hash_mismatch")]


def test_reordering_is_detected(chain):
    tamper("UPDATE declarations_declaration SET sequence = 1000 WHERE sequence = 4")
    tamper("UPDATE declarations_declaration SET sequence = 4 WHERE sequence = 5")
    tamper("UPDATE declarations_declaration SET sequence = 5 WHERE sequence = 1000")
    assert _found(declarations_verify()) == [
        (4, "link_broken"),
        (4, "hash_mismatch"),
        (5, "link_broken"),
        (5, "hash_mismatch"),
        (6, "link_broken"),
    ]


def _rehash_suffix(start: int, *, hasher, change: str) -> None:
    """Change record ``start`` and recompute every hash and link after it, as a forger would."""
    tamper(f"UPDATE declarations_declaration SET {change} WHERE sequence = %s", [start])  # noqa: S608
    previous = Declaration.objects.get(sequence=start - 1).record_hash
    for record in Declaration.objects.filter(sequence__gte=start).order_by("sequence"):
        record.previous_hash = previous
        record.record_hash = hasher(record)
        # record_hash and previous_hash are unique: park the old values first
        tamper(
            "UPDATE declarations_declaration SET previous_hash = %s, record_hash = %s WHERE id = %s",
            [f"p{record.sequence:063d}", f"r{record.sequence:063d}", record.pk],
        )
        tamper(
            "UPDATE declarations_declaration SET previous_hash = %s, record_hash = %s WHERE id = %s",
            [record.previous_hash, record.record_hash, record.pk],
        )
        previous = record.record_hash


def test_rehashed_suffix_without_the_key_is_detected(chain):
    _rehash_suffix(5, hasher=unkeyed_hash, change="decision = 'not_endorsed'")
    expected = [(s, "hash_mismatch") for s in range(5, CHAIN + 1)] + [
        (6, "checkpoint_mismatch"),
        (8, "checkpoint_mismatch"),
    ]
    assert sorted(_found(declarations_verify())) == sorted(expected)


def test_rehashed_suffix_with_the_stolen_key_is_caught_by_the_signed_checkpoints(chain):
    def keyed(record):
        data = record_data(record)
        data["key_id"] = record.key_id
        return hmac.new(current_chain_key().secret, canonical(data), hashlib.sha256).hexdigest()

    _rehash_suffix(5, hasher=keyed, change="decision = 'not_endorsed'")
    assert _found(declarations_verify()) == [(6, "checkpoint_mismatch"), (8, "checkpoint_mismatch")]


def test_forged_erasure_mark_is_detected(chain):
    tamper(
        "UPDATE declarations_declarationpersonaldata SET signatory_name = '', signatory_position = '', "
        "user_agent = '', salt = '', ip_address = NULL, erased_at = %s WHERE declaration_id = %s",
        [timezone.now(), chain[2].pk],
    )
    assert _found(declarations_verify()) == [(3, "erasure_unaudited"), (3, "erasure_forged")]


def test_forged_erasure_record_is_detected(chain):
    erased_at = timezone.now()
    tamper(
        "INSERT INTO declarations_personaldataerasure (declaration_id, erased_at, key_id, mac) VALUES (%s, %s, %s, %s)",
        [chain[2].pk, erased_at, current_chain_key().key_id, hashlib.sha256(b"guess").hexdigest()],
    )
    tamper(
        "UPDATE declarations_declarationpersonaldata SET signatory_name = '', signatory_position = '', "
        "user_agent = '', salt = '', ip_address = NULL, erased_at = %s WHERE declaration_id = %s",
        [erased_at, chain[2].pk],
    )
    assert _found(declarations_verify()) == [(3, "erasure_forged"), (3, "erasure_unaudited"), (3, "erasure_forged")]


def test_a_real_erasure_verifies_and_moving_it_to_another_record_does_not(chain):
    declaration_personal_data_erase(declaration=chain[1])
    assert declarations_verify().ok
    erasure = chain[1].erasure
    assert erasure.mac == erasure_mac(
        key_id=erasure.key_id, sequence=2, record_hash=chain[1].record_hash, erased_at=erasure.erased_at
    )
    tamper(
        "UPDATE declarations_personaldataerasure SET declaration_id = %s WHERE declaration_id = %s",
        [chain[3].pk, chain[1].pk],
    )
    found = _found(declarations_verify())
    assert (2, "erasure_forged") in found and (4, "erasure_forged") in found


def test_forged_personal_data_is_detected(chain):
    tamper(
        "UPDATE declarations_declarationpersonaldata SET signatory_position = 'Stagiair' WHERE declaration_id = %s",
        [chain[0].pk],
    )
    tamper("DELETE FROM declarations_declarationpersonaldata WHERE declaration_id = %s", [chain[1].pk])
    assert _found(declarations_verify()) == [(1, "personal_mismatch"), (2, "personal_missing")]


def test_personal_data_restored_after_erasure_is_detected(chain):
    personal = DeclarationPersonalData.objects.get(pk=chain[0].pk)
    declaration_personal_data_erase(declaration=chain[0])
    tamper(
        "UPDATE declarations_declarationpersonaldata SET signatory_name = %s, salt = %s, erased_at = NULL "
        "WHERE declaration_id = %s",
        [personal.signatory_name, personal.salt, chain[0].pk],
    )
    assert _found(declarations_verify()) == [(1, "personal_restored"), (1, "personal_mismatch")]


@pytest.mark.parametrize(
    ("sql", "codes"),
    [
        (
            "UPDATE declarations_checkpoint SET record_count = 99 WHERE number = 2",
            [("checkpoint_bad_signature", 2), ("checkpoint_link", 3)],  # 3 links to what 2 was
        ),
        ("UPDATE declarations_checkpoint SET signature = 'AAAA' WHERE number = 1", [("checkpoint_bad_signature", 1)]),
        # Its storage copy fills the number: the row is named as deleted (no gap: the copy shows what it was).
        ("DELETE FROM declarations_checkpoint WHERE number = 2", [("checkpoint_missing", 2)]),
    ],
)
def test_bad_or_missing_checkpoint_is_detected(chain, sql, codes):
    tamper(sql)
    result = declarations_verify()
    assert sorted((p.code, p.checkpoint) for p in result.problems) == sorted(codes + _copy_differs(codes))


def _copy_differs(codes):
    # A changed row no longer equals its (still valid) storage copy.
    return [("checkpoint_copy_differs", n) for code, n in codes if code == "checkpoint_bad_signature"]


def test_checkpoints_deleted_with_their_copies_are_reported_as_overdue(chain):
    """Without object lock an insider may also delete the copies; the promise of the one before remains."""
    tamper("DELETE FROM declarations_checkpoint WHERE number > 1")
    for number in (2, 3):
        storages["evidence"].delete(checkpoint_storage_name(number))
    result = declarations_verify()
    assert [(p.code, p.checkpoint) for p in result.problems] == [("checkpoint_overdue", 1)]
    assert "due by #6" in result.problems[0].message


@pytest.mark.postgres
def test_truncate_of_the_registrations_leaves_the_evidence_whole(chain):
    """Records name their subject without a foreign key: emptying the registrations reaches no record."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE missions_registration CASCADE")
        assert Declaration.objects.count() == CHAIN and Checkpoint.objects.count() == 4  # with the genesis
        transaction.set_rollback(True)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE declarations_declaration CASCADE",
        "TRUNCATE organisations_organisation CASCADE",
        "TRUNCATE declarations_checkpoint",
        "TRUNCATE declarations_declarationpersonaldata",
        "TRUNCATE declarations_declarationtext CASCADE",
        "TRUNCATE audit_auditevent CASCADE",  # its personal part refers to it: plain TRUNCATE fails anyway
    ],
)
def test_truncate_is_refused_even_for_the_owner(chain, sql):
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
        cursor.execute(sql)
    assert Declaration.objects.count() == CHAIN and Checkpoint.objects.count() == 4  # with the genesis
