import base64
import hashlib
import importlib
import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from declarations.checkpoints import (
    checkpoint_copies_store_missing,
    checkpoint_copy_store,
    checkpoint_covering,
    checkpoint_digest,
    checkpoint_signature_valid,
    checkpoint_storage_name,
    checkpoint_write,
)
from declarations.constants import GENESIS_HASH, CheckpointReason
from declarations.hashing import canonical, record_data
from declarations.keys import LEGACY_KEY_ID, checkpoint_public_keys, checkpoint_signing_key, public_key_text
from declarations.models import Checkpoint, Declaration
from declarations.services import declarations_verify
from declarations.tasks import checkpoint_hourly
from declarations.verification import COPY_GRACE

from .chain_tools import build_chain, sign, store_all_copies, tamper

pytestmark = pytest.mark.django_db


def test_a_signed_checkpoint_every_n_records_linked_to_the_previous(settings, django_capture_on_commit_callbacks):
    settings.DECLARATION_CHECKPOINT_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True):
        records = build_chain(7)
    genesis, *checkpoints = list(Checkpoint.objects.order_by("number"))
    # The genesis was written before the first record (in its transaction): the chain was never unanchored.
    assert (genesis.number, genesis.sequence, genesis.record_count, genesis.next_due) == (0, 0, 0, 3)
    assert (genesis.record_hash, genesis.previous_hash, genesis.reason) == (GENESIS_HASH, GENESIS_HASH, "genesis")
    assert [(c.number, c.sequence, c.record_count, c.next_due) for c in checkpoints] == [(1, 3, 3, 6), (2, 6, 6, 9)]
    assert checkpoints[0].record_hash == records[2].record_hash
    assert checkpoints[0].previous_hash == checkpoint_digest(genesis)
    assert checkpoints[1].previous_hash == checkpoint_digest(checkpoints[0])
    assert all(c.reason == CheckpointReason.INTERVAL for c in checkpoints)
    assert all(checkpoint_signature_valid(c, checkpoint_public_keys()) for c in [genesis, *checkpoints])
    assert AuditEvent.objects.filter(action="declaration_checkpoint.write").count() == 3
    # The copies were written after commit, as read-only files, and carry the same signed payload.
    path = Path(settings.MEDIA_ROOT) / checkpoint_storage_name(2)
    document = json.loads(path.read_bytes())
    assert document["payload"]["sequence"] == 6 and document["signature"] == checkpoints[1].signature
    assert document["public_key"] == public_key_text(checkpoint_signing_key().public_key)
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    result = declarations_verify()
    assert result.ok, result.problems
    assert (result.checkpoints_verified, result.unanchored) == (3, 1)
    assert result.warnings == []


def test_storage_copy_is_never_overwritten(settings):
    sign()
    checkpoint = checkpoint_write()
    name = checkpoint_storage_name(checkpoint.number)
    storage = storages["evidence"]
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is True
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is False  # idempotent
    path = Path(settings.MEDIA_ROOT) / name
    path.chmod(0o644)
    path.write_bytes(b'{"something": "else"}')
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is False
    assert path.read_bytes() == b'{"something": "else"}'  # left as found, and reported by verify:
    assert [p.code for p in declarations_verify().problems] == ["checkpoint_copy_unreadable"]
    assert storage.exists(name)


def test_hourly_checkpoint_only_when_the_head_moved_and_writes_missing_copies(settings):
    assert checkpoint_hourly() == 0  # empty chain: the genesis anchors it
    assert checkpoint_hourly() is None
    assert (Path(settings.MEDIA_ROOT) / checkpoint_storage_name(0)).exists()
    sign()
    assert checkpoint_hourly() == 1
    assert checkpoint_hourly() is None
    assert Checkpoint.objects.get(number=1).reason == CheckpointReason.HOURLY
    assert (Path(settings.MEDIA_ROOT) / checkpoint_storage_name(1)).exists()
    sign()
    assert checkpoint_hourly() == 2
    assert declarations_verify().unanchored == 0


def test_checkpoint_covering_a_record(settings):
    settings.DECLARATION_CHECKPOINT_EVERY = 2
    records = build_chain(5)
    assert checkpoint_covering(sequence=records[0].sequence).sequence == 2
    assert checkpoint_covering(sequence=3).sequence == 4
    assert checkpoint_covering(sequence=5) is None
    checkpoint_write()
    assert checkpoint_covering(sequence=5).number == 3


def test_a_missing_copy_is_a_failure_once_its_task_had_time_to_write_it(settings):
    sign()
    checkpoint_write()
    assert declarations_verify().ok  # just written: the copy task runs right after commit
    with time_machine.travel(timezone.now() + COPY_GRACE + timedelta(seconds=1)):
        result = declarations_verify()
        lost = [("checkpoint_copy_missing", 0), ("checkpoint_copy_missing", 1)]
        assert [(p.code, p.checkpoint) for p in result.problems] == lost
        # Past the grace a missing copy is lost: neither the task nor beat's safety net writes it now
        # (a rebuilt copy would hide a deletion), so verification keeps reporting it.
        store_all_copies()
        assert checkpoint_copies_store_missing() == 0
        assert [(p.code, p.checkpoint) for p in declarations_verify().problems] == lost
        assert "is lost" in declarations_verify().problems[0].message


def test_chain_key_rotation_keeps_old_records_verifiable(settings):
    sign()
    old_id = Declaration.objects.get().key_id
    old_key = settings.DECLARATION_CHAIN_KEY
    settings.DECLARATION_CHAIN_KEY = base64.b64encode(b"k" * 32).decode()
    settings.DECLARATION_CHAIN_KEYS = [old_key]
    sign()
    (new,) = Declaration.objects.filter(sequence=2)
    assert new.key_id not in (old_id, LEGACY_KEY_ID)
    assert declarations_verify().ok
    settings.DECLARATION_CHAIN_KEYS = []  # the old key forgotten: its records can no longer be verified
    result = declarations_verify()
    assert [(p.sequence, p.code) for p in result.problems] == [(1, "unknown_key")]


def test_checkpoint_key_rotation(settings):
    sign()
    checkpoint_write()
    old_public = public_key_text(checkpoint_signing_key().public_key)
    settings.DECLARATION_CHECKPOINT_PRIVATE_KEY = base64.b64encode(b"s" * 32).decode()
    sign()
    checkpoint_write()
    result = declarations_verify()
    assert [(p.checkpoint, p.code) for p in result.problems] == [
        (0, "checkpoint_bad_signature"),
        (1, "checkpoint_bad_signature"),
    ]
    settings.DECLARATION_CHECKPOINT_PUBLIC_KEYS = [old_public]
    assert declarations_verify().ok


def _make_legacy(records) -> None:
    """Rewrite a chain as the unkeyed chain it would have been before this change (sha256-v1)."""
    previous = GENESIS_HASH
    for record in records:
        record.refresh_from_db()
        record.previous_hash = previous
        record.key_id = LEGACY_KEY_ID
        record.record_hash = hashlib.sha256(canonical(record_data(record))).hexdigest()
        tamper(
            "UPDATE declarations_declaration SET key_id = %s, previous_hash = %s, record_hash = %s WHERE id = %s",
            [LEGACY_KEY_ID, f"p{record.sequence:063d}", f"r{record.sequence:063d}", record.pk],
        )
        previous = record.record_hash
    for record in records:
        tamper(
            "UPDATE declarations_declaration SET previous_hash = %s, record_hash = %s WHERE id = %s",
            [record.previous_hash, record.record_hash, record.pk],
        )


def test_legacy_records_are_anchored_by_the_migration_and_forged_legacy_records_are_not():
    records = build_chain(3)
    _make_legacy(records)
    migration = importlib.import_module("declarations.migrations.0006_anchor_legacy_records")
    migration.anchor_legacy_records(apps, type("Editor", (), {"connection": connection})())
    checkpoint = Checkpoint.objects.get(number=1)
    assert (checkpoint.reason, checkpoint.sequence, checkpoint.chain_key_id) == ("legacy", 3, LEGACY_KEY_ID)
    assert declarations_verify().ok
    sign()  # new records are keyed and chain on from the legacy head
    assert Declaration.objects.get(sequence=4).previous_hash == records[-1].record_hash
    assert declarations_verify().ok
    # A record appended later with an unkeyed hash claims to be legacy: it is not anchored, so forged.
    forged = Declaration.objects.get(sequence=4)
    forged.key_id = LEGACY_KEY_ID
    forged.record_hash = hashlib.sha256(canonical(record_data(forged))).hexdigest()
    tamper(
        "UPDATE declarations_declaration SET key_id = %s, record_hash = %s WHERE sequence = 4",
        [LEGACY_KEY_ID, forged.record_hash],
    )
    assert [(p.sequence, p.code) for p in declarations_verify().problems] == [(4, "legacy_unanchored")]


def test_verify_reports_checkpoint_copies_it_cannot_trust(settings):
    sign()
    checkpoint = checkpoint_write()
    store_all_copies()
    name = checkpoint_storage_name(checkpoint.number)
    path = Path(settings.MEDIA_ROOT) / name
    document = json.loads(path.read_bytes())
    document["payload"]["record_count"] = 99
    path.chmod(0o644)
    path.write_text(json.dumps(document))
    result = declarations_verify()
    assert [(p.checkpoint, p.code) for p in result.problems] == [(1, "checkpoint_bad_signature")]
    storages["evidence"].delete(name)
    storages["evidence"].save(name, ContentFile(b"not json"))
    assert [p.code for p in declarations_verify().problems] == ["checkpoint_copy_unreadable"]
