"""Truncation and re-numbering attacked at the three insider levels of issue 22, on PostgreSQL.

1. **The portal's role** (web, worker, beat; holds both keys; on local storage it may also write the
   checkpoint folder): cannot delete, change or re-number a checkpoint or record (the database refuses),
   cannot re-issue a number (unique in the table, and the next number also counts the copies); a
   checkpoint it inserts with a skipped number, or a copy it deletes, is detected.
2. **A database superuser who can reach the storage folder, without the keys**: a checkpoint deleted
   alone is named by its copy, and its number is not issued again; deleted with its copy and the records
   it covered it leaves a gap, a broken link or a count that does not match; deleting everything leaves
   no genesis. Not detected by ``verify_declarations`` alone: deleting the *newest* checkpoint(s) with
   their copies and the records after the checkpoint before them (the number is issued again); an
   earlier bundle (``--since``) or a mirrored feed shows it.
3. **Everything, keys included**: a consistent rewrite verifies on its own; only what left the
   operator's reach shows it: an earlier bundle (``--since``), the published feed and the RFC 3161
   timestamps (another part of issue 22).
"""

import base64
from datetime import timedelta

import psycopg2
import pytest
import time_machine
from django.utils import timezone
from psycopg2 import errors

from declarations.bundle import verification_bundle
from declarations.checkpoints import checkpoint_digest, checkpoint_payload, checkpoint_write
from declarations.hashing import canonical
from declarations.keys import checkpoint_signing_key
from declarations.models import Checkpoint
from declarations.services import declarations_verify
from declarations.verification import COPY_GRACE

from .chain_tools import (
    build_chain,
    checkpoints_delete,
    copy_delete,
    records_delete,
    rewrite_with_keys,
    sign,
    store_all_copies,
)
from .test_db_roles import _as_app, app_role  # noqa: F401  (the portal's role on the test database)

pytestmark = pytest.mark.postgres


def _found(result) -> list[tuple]:
    return [(p.code, p.checkpoint, p.sequence) for p in result.problems]


def _chain(settings):
    """Checkpoints 0 (genesis), 1 (#2), 2 (#4), 3 (#6), their copies; 6 records; and a bundle of it."""
    settings.DECLARATION_CHECKPOINT_EVERY = 2
    records = build_chain(6)
    store_all_copies()
    assert list(Checkpoint.objects.values_list("number", "sequence")) == [(0, 0), (1, 2), (2, 4), (3, 6)]
    assert declarations_verify().ok
    return records, verification_bundle()


# Level 1: the portal's role, with both keys.


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM declarations_checkpoint WHERE number = 3",
        "UPDATE declarations_checkpoint SET number = number + 10",
        "TRUNCATE declarations_checkpoint CASCADE",
        "DELETE FROM declarations_declaration WHERE sequence > 4",
    ],
)
def test_level_1_cannot_remove_or_renumber_checkpoints_or_records(app_role, sql):  # noqa: F811
    with pytest.raises(errors.InsufficientPrivilege):
        _as_app(app_role, sql)


@pytest.mark.django_db(transaction=True)
def test_level_1_cannot_reissue_a_number_and_a_skipped_number_is_a_gap(settings, app_role):  # noqa: F811
    _chain(settings)
    key = checkpoint_signing_key()
    latest = Checkpoint.objects.get(number=3)

    def signed(number: int) -> list:
        checkpoint = Checkpoint.objects.get(number=3)
        checkpoint.number, checkpoint.previous_hash = number, checkpoint_digest(latest)
        checkpoint.signature = base64.b64encode(key.private_key.sign(canonical(checkpoint_payload(checkpoint))))
        fields = [f for f in Checkpoint._meta.concrete_fields if f.attname != "id"]
        return [f.column for f in fields], [getattr(checkpoint, f.attname) for f in fields]

    def insert(number: int) -> None:
        columns, values = signed(number)
        values = [v.decode() if isinstance(v, bytes) else v for v in values]
        conn = psycopg2.connect(**app_role)
        try:
            with conn.cursor() as cursor:
                marks = ", ".join(["%s"] * len(values))
                cursor.execute(f"INSERT INTO declarations_checkpoint ({', '.join(columns)}) VALUES ({marks})", values)  # noqa: S608
            conn.commit()
        finally:
            conn.close()

    with pytest.raises(errors.UniqueViolation):
        insert(3)  # a number already issued: the table refuses it
    insert(9)  # signed with the key, but numbers 4-8 were never issued
    assert ("checkpoint_gap", 4, None) in _found(declarations_verify())


@pytest.mark.django_db
def test_level_1_deleting_a_storage_copy_is_detected(settings):
    """On local storage the portal's user may delete files in the checkpoint folder (S3 object lock prevents it)."""
    _chain(settings)
    copy_delete(2)
    with time_machine.travel(timezone.now() + COPY_GRACE + timedelta(seconds=1)):
        assert _found(declarations_verify()) == [("checkpoint_copy_missing", 2, None)]


# Level 2: database superuser (triggers off) with the storage folder, without the keys.


@pytest.mark.django_db
def test_level_2_a_checkpoint_deleted_alone_is_named_and_its_number_not_reissued(settings):
    _chain(settings)
    checkpoints_delete([3], with_copies=False)
    sign()  # #7 is past checkpoint 2's next_due: a checkpoint in its transaction, numbered after the copy of 3
    assert list(Checkpoint.objects.values_list("number", "sequence")) == [(0, 0), (1, 2), (2, 4), (4, 7)]
    assert ("checkpoint_missing", 3, None) in _found(declarations_verify())


@pytest.mark.django_db
def test_level_2_a_checkpoint_deleted_with_its_copy_and_records_is_detected(settings):
    _chain(settings)
    checkpoints_delete([2], with_copies=True)
    records_delete([3, 4])
    found = _found(declarations_verify())
    assert ("checkpoint_gap", 2, None) in found and ("sequence_gap", None, 5) in found


@pytest.mark.django_db
def test_level_2_deleting_everything_leaves_no_genesis(settings):
    _chain(settings)
    records_delete(range(1, 7))
    checkpoints_delete(range(4), with_copies=True)
    assert _found(declarations_verify()) == [("checkpoint_none", None, None)]


@pytest.mark.django_db
def test_level_2_the_newest_checkpoint_with_its_copy_and_records_shows_only_since_an_older_bundle(settings):
    records, bundle = _chain(settings)
    checkpoints_delete([3], with_copies=True)
    records_delete([5, 6])
    assert declarations_verify().ok  # not detectable from what is left: the limit of level 2
    sign(records[0].text)
    assert checkpoint_write().number == 3  # so the number is issued again
    store_all_copies()
    assert declarations_verify().ok
    assert _found(declarations_verify(since=bundle)) == [("since_checkpoint", 3, None), ("since_record", None, 5)]


# Level 3: everything, keys included.


@pytest.mark.django_db
def test_level_3_a_consistent_rewrite_shows_only_since_an_older_bundle(settings):
    _records, bundle = _chain(settings)
    rewrite_with_keys(3, decision="not_endorsed")
    assert declarations_verify().ok
    assert _found(declarations_verify(since=bundle)) == [("since_checkpoint", 2, None), ("since_record", None, 3)]
