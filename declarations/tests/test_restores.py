"""A restore is an evidence event (issue 27, item 1): recorded, signed, verified, never re-issuing a number.

A database restore is played here as the owner would see it: the rows after the backup are gone
(records and the checkpoints that covered them), the write-once copies in storage are not. The
commands themselves, against a real PostgreSQL dump, are in ``test_backup_restore.py``.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.migrations.loader import MigrationLoader
from django.utils import translation

from audit.models import AuditEvent
from declarations.backup import BackupError, backup_take, manifest_check, restore_from
from declarations.checkpoints import (
    checkpoint_annex_read,
    checkpoint_digest,
    checkpoint_storage_name,
    checkpoint_write,
)
from declarations.constants import CheckpointReason
from declarations.keys import checkpoint_public_keys
from declarations.models import Checkpoint, Declaration
from declarations.references import verification_code
from declarations.restores import RESTORE_ACTION, chain_restore_record, restore_lost_receipt
from declarations.services import declarations_verify
from tools.verify_bundle import verify as bundle_verify

from .chain_tools import (
    build_chain,
    bundle_file,
    checkpoints_delete,
    records_delete,
    sign,
    store_all_copies,
    verify_command,
)

pytestmark = pytest.mark.django_db


def _found(result) -> list[tuple]:
    return [(p.code, p.checkpoint, p.sequence) for p in result.problems]


def _copy_raw(number: int) -> bytes:
    with storages["evidence"].open(checkpoint_storage_name(number), "rb") as handle:
        return handle.read()


@pytest.fixture
def chain(settings):
    """Checkpoints 0 (genesis), 1 (#2), 2 (#4), 3 (#6) and their copies; 6 records."""
    settings.DECLARATION_CHECKPOINT_EVERY = 2
    records = build_chain(6)
    store_all_copies()
    assert list(Checkpoint.objects.values_list("number", "sequence")) == [(0, 0), (1, 2), (2, 4), (3, 6)]
    return records


def _restore_to_checkpoint_2() -> None:
    """What a restore of a backup taken right after checkpoint 2 leaves: records #5-#6 and checkpoint 3 gone."""
    records_delete([5, 6])
    checkpoints_delete([3], with_copies=False)


def test_each_copy_names_the_records_it_adds_in_a_signed_annex(chain):
    annex = checkpoint_annex_read(_copy_raw(3), checkpoint_public_keys())
    assert annex["checkpoint_digest"] == checkpoint_digest(Checkpoint.objects.get(number=3))
    assert [(r[0], r[1], r[2]) for r in annex["records"]] == [
        (5, chain[4].reference, chain[4].record_hash),
        (6, chain[5].reference, chain[5].record_hash),
    ]
    assert annex["highest_reference"] == chain[5].reference
    # A changed annex (an insider re-naming what was issued) no longer verifies.
    document = json.loads(_copy_raw(3))
    document["annex"]["records"][0][1] = "IMVO-2000-000001"
    assert checkpoint_annex_read(json.dumps(document).encode(), checkpoint_public_keys()) is None


def test_an_unrecorded_restore_still_fails_as_deleted(chain):
    _restore_to_checkpoint_2()
    found = _found(declarations_verify())
    assert ("checkpoint_missing", 3, None) in found and ("records_missing", 3, 6) in found


def test_a_recorded_restore_verifies_and_names_what_it_lost_by_reference(chain):
    lost = [chain[4].reference, chain[5].reference]
    _restore_to_checkpoint_2()
    details = chain_restore_record(backup={"created_at": "2026-12-01T00:00:00.000000Z", "checkpoint": 2})
    assert (details["restored_to_checkpoint"], details["lost_checkpoints"], details["lost_sequences"]) == (
        2,
        [3, 3],
        [5, 6],
    )
    assert [record[1] for record in details["lost_records"]] == lost
    restore = Checkpoint.objects.get(number=4)
    assert restore.reason == CheckpointReason.RESTORE
    assert restore.previous_hash == checkpoint_digest(Checkpoint.objects.get(number=2))  # links to the restored head
    assert AuditEvent.objects.filter(action=RESTORE_ACTION).count() == 1
    store_all_copies()
    result = declarations_verify()
    assert result.ok, result.problems
    [summary] = result.restores
    assert (summary.checkpoint, summary.restored_to, summary.lost_checkpoints, summary.lost_references) == (
        4,
        2,
        (3,),
        tuple(lost),
    )
    code, out, _err = verify_command()
    assert code == 0
    assert f"restore: restored to checkpoint 2 at {restore.created_at:%Y-%m-%d %H:%M:%S} UTC" in out
    assert f"2 record(s) lost: {', '.join(lost)}" in out
    # The restore checkpoint's own copy carries what the restore lost, for a later, deeper restore.
    annex = checkpoint_annex_read(_copy_raw(4), checkpoint_public_keys())
    assert [r[1] for r in annex["restore"]["lost_records"]] == lost


def test_after_a_restore_numbers_and_references_continue_after_the_highest_ever_issued(chain):
    lost = {chain[4].reference, chain[5].reference}
    _restore_to_checkpoint_2()
    chain_restore_record()
    store_all_copies()
    again = [sign(), sign()]
    assert [record.sequence for record in again] == [5, 6]  # the chain itself has no gap
    assert not {record.reference for record in again} & lost
    assert min(record.reference for record in again) > max(lost)
    assert Declaration.objects.values("reference").distinct().count() == Declaration.objects.count()
    checkpoint_write()
    # 3 is lost (kept in storage), 4 is the restore, 5 came due at #6 and 6 is the one written now.
    assert list(Checkpoint.objects.values_list("number", flat=True)) == [0, 1, 2, 4, 5, 6]
    store_all_copies()
    result = declarations_verify()
    assert result.ok, result.problems
    assert result.restores[0].lost_references == tuple(sorted(lost))


def test_references_signed_after_the_last_copy_are_never_issued_again(chain, settings):
    """#7 is signed after checkpoint 3 and its copy, and lost with them before any copy names it: the
    claimed block of references (``reference_block_claim``) still keeps its reference from re-use."""
    settings.DECLARATION_CHECKPOINT_EVERY = 100
    unnamed = sign()
    assert not Checkpoint.objects.filter(sequence=unnamed.sequence).exists()  # in no copy's annex
    blocks = storages["evidence"].listdir("reference-blocks/" + unnamed.reference[5:9])[1]
    assert blocks == ["block-000001"]
    records_delete([5, 6, 7])
    checkpoints_delete([3], with_copies=False)
    details = chain_restore_record()
    assert unnamed.reference not in [record[1] for record in details["lost_records"]]
    again = sign()
    assert again.reference > unnamed.reference
    assert again.reference.endswith("-000101")  # the next block: up to a block is skipped after a restore
    assert Declaration.objects.values("reference").distinct().count() == Declaration.objects.count()


def test_a_restore_that_lost_nothing_is_audited_without_a_checkpoint(chain):
    details = chain_restore_record()
    assert details["lost_checkpoints"] == [] and details["restore_checkpoint"] is None
    assert Checkpoint.objects.count() == 4
    assert AuditEvent.objects.filter(action=RESTORE_ACTION).count() == 1
    assert declarations_verify().ok


def test_a_restore_checkpoint_does_not_excuse_checkpoints_the_table_still_holds(chain):
    """Only copies the table lost are excused: rows skipped by a restore checkpoint's link are a broken link."""
    _restore_to_checkpoint_2()
    chain_restore_record()
    store_all_copies()
    records_delete([3, 4])  # an insider removes more, with checkpoint 2 still in the table
    found = _found(declarations_verify())
    assert ("records_missing", 2, 4) in found


def test_a_receipt_issued_in_the_gap_is_explained_on_verify(chain, client):
    gone, kept = chain[4], chain[0]
    gone_code, kept_code = verification_code(gone), verification_code(kept)
    _restore_to_checkpoint_2()
    chain_restore_record()
    lost = restore_lost_receipt(reference=gone.reference, code=gone_code)
    assert lost is not None and lost.restored_to_checkpoint == 2 and lost.restore_checkpoint == 4
    assert restore_lost_receipt(reference=gone.reference, code=kept_code) is None  # the code must match
    with translation.override("en"):
        page = client.get("/verify/", {"reference": gone.reference, "code": gone_code}, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        text = page.content.decode()
        assert 'data-verdict="lost-in-restore"' in text and gone.reference in text
        wrong = client.get("/verify/", {"reference": gone.reference, "code": kept_code}).content.decode()
        assert "lost-in-restore" not in wrong
        still = client.get("/verify/", {"reference": kept.reference, "code": kept_code}).content.decode()
        assert 'data-verdict="in-register"' in still


def test_an_uploaded_receipt_issued_in_the_gap_is_explained_too(chain, client):
    """The receipt PDF itself, uploaded after the restore lost its record: explained, not denied."""
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from declarations.services import receipt_render

    gone = chain[4]
    receipt_render(receipt_id=gone.receipt.pk)
    gone.receipt.refresh_from_db()
    content = default_storage.open(gone.receipt.file_name).read()
    _restore_to_checkpoint_2()
    chain_restore_record()
    client.cookies["django_language"] = "en"
    page = client.post("/verify/", {"receipt": SimpleUploadedFile("r.pdf", content, "application/pdf")})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-verdict="lost-in-restore"' in text and gone.reference in text
    assert "not a receipt the portal issued" not in text
    # A file whose reference was never lost still gets the plain answer.
    other = client.post("/verify/", {"receipt": SimpleUploadedFile("r.pdf", b"%PDF-1.4 nothing", "application/pdf")})
    assert "lost-in-restore" not in other.content.decode()


@pytest.mark.django_db(transaction=True)  # a backup reads committed data (SQLite's backup API, pg_dump)
def test_backup_and_restore_on_the_configured_database_and_what_a_damaged_backup_gets(chain, tmp_path, settings):
    target = tmp_path / "backup"
    manifest = backup_take(target)
    assert manifest["checkpoint"]["number"] == 3
    assert manifest["checkpoint"]["highest_reference"] == chain[5].reference
    [(_app, leaf)] = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("declarations")
    assert manifest["migrations"]["declarations"] == leaf
    raw = (target / "manifest.json").read_text()
    assert settings.DECLARATION_CHAIN_KEY not in raw  # ids only, never a key
    assert manifest_check(target)["parts"]["database"]["sha256"] == manifest["parts"]["database"]["sha256"]
    # Restoring over the same state loses nothing: audited, no restore checkpoint, media left as they were.
    sign()
    report = restore_from(target)
    assert report.restore["lost_checkpoints"] == [] and report.media_written == 0 and report.media_kept > 0
    assert Declaration.objects.count() == 6
    assert declarations_verify().ok
    database = target / manifest["parts"]["database"]["file"]
    intact = database.read_bytes()
    database.write_bytes(intact[:-1] + bytes([intact[-1] ^ 1]))
    with pytest.raises(BackupError, match="does not match its SHA-256"):
        manifest_check(target)
    database.write_bytes(intact)
    document = json.loads(raw)
    document["keys"]["chain"].append("unknown-key-id")
    (target / "manifest.json").write_text(json.dumps(document))
    with pytest.raises(BackupError, match="unknown-key-id"):
        manifest_check(target)


def test_an_old_copy_without_an_annex_is_reported_as_unnamed(chain):
    """Copies written before copies carried an annex: the restore still verifies, the records are counted."""
    storage = storages["evidence"]
    name = checkpoint_storage_name(3)
    document = json.loads(_copy_raw(3))
    for key in ("annex", "annex_signature", "annex_key_id"):
        document.pop(key)
    Path(storage.path(name)).chmod(0o644)
    storage.delete(name)
    storage.save(name, ContentFile(json.dumps(document).encode()))
    _restore_to_checkpoint_2()
    details = chain_restore_record()
    assert details["lost_records"] == [] and details["lost_records_unnamed"] == 1
    store_all_copies()
    result = declarations_verify()
    assert result.ok, result.problems
    assert result.restores[0].lost_unnamed == 1


def test_a_bundle_exported_after_a_recorded_restore_verifies_offline(chain, tmp_path):
    """tools/verify_bundle.py accepts a restore checkpoint's link to the checkpoint restored to, and says so."""
    _restore_to_checkpoint_2()
    chain_restore_record()
    store_all_copies()
    sign()
    bundle = json.loads(bundle_file(tmp_path / "bundle.json").read_text())
    assert [c["payload"]["number"] for c in bundle["checkpoints"]] == [0, 1, 2, 4, 5]
    problems, notes = bundle_verify(bundle, trusted=checkpoint_public_keys())
    assert problems == []
    assert any("restored to checkpoint 2 (checkpoint(s) 3-3 lost" in note for note in notes)
    # Without the restore checkpoint's signature the skip is a failure, as before.
    bundle["checkpoints"][3]["payload"]["reason"] = "manual"
    problems, _notes = bundle_verify(bundle, trusted=checkpoint_public_keys())
    assert any("unexpected number" in problem for problem in problems)


def test_a_lost_receipt_lookup_runs_a_bounded_number_of_queries(chain, client, django_assert_max_num_queries):
    gone = chain[4]
    query = {"reference": gone.reference, "code": verification_code(gone)}
    _restore_to_checkpoint_2()
    chain_restore_record()
    with django_assert_max_num_queries(12):
        response = client.get("/verify/", query)
    assert 'data-verdict="lost-in-restore"' in response.content.decode()


def test_a_bulk_load_under_one_checkpoint_names_its_range_and_highest_reference(chain, monkeypatch):
    """Beyond ANNEX_MAX_RECORDS the copy names no records one by one; references still continue after it."""
    monkeypatch.setattr("declarations.checkpoints.ANNEX_MAX_RECORDS", 1)
    Path(storages["evidence"].path(checkpoint_storage_name(3))).chmod(0o644)
    storages["evidence"].delete(checkpoint_storage_name(3))
    store_all_copies()
    annex = checkpoint_annex_read(_copy_raw(3), checkpoint_public_keys())
    assert (annex["records"], annex["records_omitted"], annex["highest_reference"]) == (None, 2, chain[5].reference)
    _restore_to_checkpoint_2()
    details = chain_restore_record()
    assert details["lost_records_unnamed"] == 2
    assert sign().reference > chain[5].reference  # never issued twice, even unnamed


def test_the_restore_command_asks_for_confirmation_and_checks_without_changing(chain, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path))
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("restore", str(tmp_path), "--check")
    # After a point-in-time recovery: only the evidence event, with the restore checkpoint's copy at once.
    _restore_to_checkpoint_2()
    out = StringIO()
    call_command("restore", "-", "--record-only", stdout=out)
    assert "Restored to checkpoint 2: checkpoints 3-3 and 2 record(s) were lost" in out.getvalue()
    assert storages["evidence"].exists(checkpoint_storage_name(4))


def test_a_recorded_restore_retires_every_cached_page(chain, django_capture_on_commit_callbacks):
    """Cached pages may show what was published after the backup: every namespace starts afresh."""
    from django.core.cache import cache

    from core.page_cache import _generation, _generation_key, page_cache_namespaces
    from declarations.backup import restore_record

    namespaces = page_cache_namespaces()
    assert {"missions", "brochures", "instruments"} <= namespaces
    before = {namespace: _generation(namespace) for namespace in namespaces}
    with django_capture_on_commit_callbacks(execute=True):
        restore_record()
    after = {namespace: cache.get(_generation_key(namespace)) for namespace in namespaces}
    assert all(after[namespace] and after[namespace] != before[namespace] for namespace in namespaces)
