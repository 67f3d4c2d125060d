"""Genesis, numbers never issued twice, storage copies that must be there and agree (issue 22, item 1b and 2)."""

import base64
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from declarations.checkpoints import (
    checkpoint_copy_store,
    checkpoint_document,
    checkpoint_number_next,
    checkpoint_payload,
    checkpoint_storage_name,
    checkpoint_write,
)
from declarations.constants import CheckpointReason
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
    sign,
    store_all_copies,
    verify_command,
)

pytestmark = pytest.mark.django_db


def _found(result) -> list[tuple]:
    return [(p.code, p.checkpoint, p.sequence) for p in result.problems]


@pytest.fixture
def chain(settings):
    """Checkpoints 0 (genesis), 1 (#2), 2 (#4), 3 (#6) and their copies; 6 records."""
    settings.DECLARATION_CHECKPOINT_EVERY = 2
    records = build_chain(6)
    store_all_copies()
    assert list(Checkpoint.objects.values_list("number", "sequence")) == [(0, 0), (1, 2), (2, 4), (3, 6)]
    assert declarations_verify().ok
    return records


def test_an_empty_chain_without_its_genesis_fails_and_the_genesis_comes_before_any_record():
    assert _found(declarations_verify()) == [("checkpoint_none", None, None)]
    code, _out, err = verify_command()
    assert code == 1 and "no valid checkpoint at all" in err
    genesis = checkpoint_write()  # checkpoint_declarations, beat or seed_demo on a new installation
    assert (genesis.number, genesis.sequence, genesis.record_count, genesis.reason) == (0, 0, 0, "genesis")
    assert checkpoint_write() is None  # idempotent
    assert declarations_verify().ok
    record = sign()
    assert list(Checkpoint.objects.values_list("number", flat=True)) == [0]  # no second genesis
    assert record.sequence == 1


def test_the_first_record_writes_the_genesis_in_its_transaction():
    record = sign()
    genesis = Checkpoint.objects.get()
    assert (genesis.number, genesis.reason) == (0, CheckpointReason.GENESIS)
    assert genesis.created_at <= record.signed_at


def test_deleting_every_record_and_checkpoint_is_detected(chain):
    """After seed_demo (or any use) deleting everything in the database leaves the copies, and without
    them still no genesis: an empty register is never a valid one."""
    records_delete(range(1, 7))
    checkpoints_delete(range(4), with_copies=False)
    assert {code for code, *_ in _found(declarations_verify())} == {"checkpoint_missing", "records_missing"}
    assert checkpoint_number_next() == 4  # the copies still hold numbers 0-3
    for number in range(4):
        copy_delete(number)
    assert _found(declarations_verify()) == [("checkpoint_none", None, None)]


def test_numbers_are_never_issued_again_after_a_restore(chain):
    """A restore to before checkpoint 3 rolls the table back, not the write-once copies."""
    checkpoints_delete([3], with_copies=False)
    records_delete([5, 6])
    assert checkpoint_number_next() == 4
    sign()
    new = checkpoint_write()
    assert (new.number, new.sequence) == (4, 5)
    store_all_copies()
    result = declarations_verify()
    # Checkpoint 3 is named as deleted, and the new one does not link to it: the restore lost evidence.
    assert ("checkpoint_missing", 3, None) in _found(result)
    assert Path(storages["evidence"].path(checkpoint_storage_name(3))).exists()


def test_deleting_a_middle_checkpoint_with_its_copy_is_a_gap(chain):
    checkpoints_delete([2], with_copies=True)
    assert _found(declarations_verify()) == [("checkpoint_gap", 2, None)]
    code, _out, err = verify_command()
    assert code == 1 and "Checkpoint 2: checkpoint(s) 2 missing from the database and storage" in err


def test_deleting_a_checkpoint_with_its_copy_and_the_records_it_covered_is_detected(chain):
    checkpoints_delete([2], with_copies=True)
    records_delete([3, 4])
    found = _found(declarations_verify())
    assert ("checkpoint_gap", 2, None) in found
    assert ("sequence_gap", None, 5) in found  # and checkpoint 3 counts 6 records where 4 are left
    assert ("checkpoint_count", 3, 6) in found


def test_a_missing_copy_fails_once_the_copy_task_had_its_time(chain):
    copy_delete(1)
    assert declarations_verify().ok  # within COPY_GRACE of its writing: the task may not have run
    with time_machine.travel(timezone.now() + COPY_GRACE + timedelta(seconds=1)):
        assert _found(declarations_verify()) == [("checkpoint_copy_missing", 1, None)]
        code, _out, err = verify_command()
        assert (
            code == 1
            and "Checkpoint 1: its write-once storage copy checkpoints/checkpoint-0000000001.json is lost" in err
        )


def test_a_copy_under_another_number_or_a_re_issued_number_fails(chain):
    storage = storages["evidence"]
    copy_delete(2)
    with storage.open(checkpoint_storage_name(1)) as handle:
        storage.save(checkpoint_storage_name(2), ContentFile(handle.read()))  # copy 1 posing as copy 2
    assert ("checkpoint_copy_misnamed", 1, None) in _found(declarations_verify())
    copy_delete(2)
    # Number 2 again, validly signed with another payload: re-issued, or re-signed by someone with the key.
    other = Checkpoint.objects.get(number=2)
    other.created_at -= timedelta(seconds=1)
    other.signature = base64.b64encode(
        checkpoint_signing_key().private_key.sign(canonical(checkpoint_payload(other)))
    ).decode()
    storage.save(checkpoint_storage_name(2), ContentFile(checkpoint_document(other)))
    assert _found(declarations_verify()) == [("checkpoint_copy_differs", 2, None)]


def test_the_copy_task_removes_the_duplicate_of_a_concurrent_writer(chain, monkeypatch):
    storage = storages["evidence"]
    names = sorted(storage.listdir("checkpoints")[1])
    real_exists = storage.exists
    calls = []

    def exists_once_stale(name):  # another process stored copy 3 between this one's check and its save
        calls.append(name)
        return len(calls) > 1 and real_exists(name)

    monkeypatch.setattr(storage, "exists", exists_once_stale)
    assert checkpoint_copy_store(checkpoint_id=Checkpoint.objects.get(number=3).pk) is False
    assert sorted(storage.listdir("checkpoints")[1]) == names
