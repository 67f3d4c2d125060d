"""A database restore is an evidence event: what it lost is recorded, named and never issued again.

A restore (``manage.py restore``) rolls the tables back to the backup; the write-once checkpoint
copies in storage are not rolled back. ``chain_restore_record`` (run by ``restore`` after the
database is back, under the chain lock) compares the two:

- every copy whose number the table no longer holds is **lost** by the restore; its signed annex
  (``checkpoints.checkpoint_annex``) names the records it covered, so the records the restored
  database lacks are named by reference (records signed after the last copy before the disaster
  cannot be named: at most ``DECLARATION_CHECKPOINT_EVERY`` - 1 records or about an hour);
- one audit event ``declaration_chain.restore`` records the restore (restored to checkpoint N, when,
  the lost checkpoints, records and references, the highest reference ever issued per year, the
  backup's manifest), and a signed checkpoint of kind ``restore`` follows it in the same transaction:
  its number comes after the highest ever issued (table and copies), it links to checkpoint N (the
  one restored to) and it signs the audit head that covers the event. Its storage copy carries the
  same details in its annex, so a later restore to an even older backup still knows them.

``verify_declarations`` accepts a ``restore`` checkpoint's link to an earlier checkpoint and reports
the checkpoints in between (copies only) as lost in that restore, with the references, instead of
"deleted"; it holds nothing lost against the records signed since. ``declaration_record`` continues
the references after the highest a restore names (``restores_highest_reference``), so a reference
is never issued twice; ``/verify/`` explains a receipt whose record was lost (``restore_lost_receipt``).

References signed after the last copy before the disaster are in no annex. So that they too are
never issued again, every block of ``REFERENCE_BLOCK`` references is claimed in the write-once
storage before its first reference commits (``reference_block_claim``: one existence check per
signature, one small file per block); a restore takes the end of the highest claimed block of each
year as issued (``reference_blocks_highest``). After a restore the numbering may skip up to a block.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max

from audit.models import AuditEvent
from audit.services import audit_event_record
from core.service_checks import internal

from .checkpoints import (
    COPY_NAME,
    _checkpoint_append,
    chain_lock,
    checkpoint_annex_read,
    checkpoint_copy_names,
    checkpoint_digest,
    checkpoint_from_document,
    checkpoint_number_next,
    checkpoint_signature_valid,
    checkpoint_storage_name,
)
from .constants import RESTORE_ACTION, CheckpointReason
from .hashing import utc_text
from .keys import checkpoint_public_keys
from .models import Checkpoint, Declaration
from .references import REFERENCE_RE, reference_format, verification_code_matches


@dataclass(frozen=True)
class LostCopy:
    number: int
    checkpoint: Checkpoint
    annex: dict | None  # None: written before copies had an annex, or its annex does not verify


@dataclass(frozen=True)
class LostReceipt:
    """A receipt whose record a restore lost (``/verify/``)."""

    reference: str
    signed_at: str
    restored_at: str
    restored_to_checkpoint: int
    restore_checkpoint: int


def lost_copies_read(*, above: int, public_keys=None) -> list[LostCopy]:
    """The validly signed storage copies with a number above ``above`` (what the table no longer holds)."""
    public_keys = public_keys if public_keys is not None else checkpoint_public_keys()
    storage = storages["evidence"]
    lost = []
    for file_name in checkpoint_copy_names():
        match = COPY_NAME.fullmatch(file_name)
        if not match or int(match.group(1)) <= above:
            continue
        with storage.open(checkpoint_storage_name(int(match.group(1))), "rb") as handle:
            raw = handle.read()
        try:
            checkpoint = checkpoint_from_document(raw)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # verify_declarations names it (checkpoint_copy_unreadable)
        if checkpoint.number == int(match.group(1)) and checkpoint_signature_valid(checkpoint, public_keys):
            lost.append(LostCopy(checkpoint.number, checkpoint, checkpoint_annex_read(raw, public_keys)))
    return sorted(lost, key=lambda copy: copy.number)


def lost_records_of(copies: list[LostCopy]) -> tuple[list[list], int, dict[str, str]]:
    """(records the database lacks as [sequence, reference, hash, key id, signed at], how many the
    copies could not name, the highest reference per year the copies name)."""
    candidates: dict[str, list] = {}
    unnamed = 0
    highest: dict[str, str] = {}
    for copy in copies:
        annex = copy.annex or {}
        restore = annex.get("restore") or {}
        for reference in [annex.get("highest_reference"), *(restore.get("highest_references") or {}).values()]:
            _highest_add(highest, reference)
        for record in restore.get("lost_records", []):  # lost in an earlier restore: still lost
            candidates.setdefault(record[1], record)
        if annex.get("records") is None:
            unnamed += annex.get("records_omitted", 0) if annex else 1
            continue
        for record in annex["records"]:
            if record[1]:
                candidates.setdefault(record[1], record)
    present = set()
    references = list(candidates)
    for start in range(0, len(references), 1000):
        present.update(
            Declaration.objects.filter(reference__in=references[start : start + 1000]).values_list(
                "reference", flat=True
            )
        )
    lost = sorted((r for ref, r in candidates.items() if ref not in present), key=lambda r: r[1])
    for record in lost:
        _highest_add(highest, record[1])
    return lost, unnamed, highest


#: References per claimed block (``reference_block_claim``).
REFERENCE_BLOCK = 100
REFERENCE_BLOCKS_PREFIX = "reference-blocks"


def _block_name(year: str, start: int) -> str:
    return f"{REFERENCE_BLOCKS_PREFIX}/{year}/block-{start:06d}"


def reference_block_claim(reference: str) -> None:
    """Claim the block of ``reference`` in the write-once storage unless it is claimed already.

    Called under the chain lock before the record (and so the reference) commits: a committed
    reference always has its block claimed; a claim whose transaction failed only makes a restore
    skip that block. Never overwrites.
    """
    match = REFERENCE_RE.match(reference or "")
    if not match:
        return
    year, number = match.group(1), int(match.group(2))
    name = _block_name(year, (number - 1) // REFERENCE_BLOCK * REFERENCE_BLOCK + 1)
    storage = storages["evidence"]
    if not storage.exists(name):
        storage.save(name, ContentFile(reference.encode()))


def reference_blocks_highest() -> dict[str, str]:
    """Per year, the last reference of the highest claimed block (what may have been issued)."""
    storage = storages["evidence"]
    try:
        years, _files = storage.listdir(REFERENCE_BLOCKS_PREFIX)
    except FileNotFoundError:
        return {}
    highest = {}
    for year in years:
        starts = [
            int(name[6:])
            for name in storage.listdir(f"{REFERENCE_BLOCKS_PREFIX}/{year}")[1]
            if name.startswith("block-") and name[6:].isdigit()
        ]
        if starts and year.isdigit():
            highest[year] = reference_format(int(year), max(starts) + REFERENCE_BLOCK - 1)
    return highest


def _highest_add(highest: dict[str, str], reference) -> None:
    match = REFERENCE_RE.match(reference or "") if isinstance(reference, str) else None
    if match and reference > highest.get(match.group(1), ""):
        highest[match.group(1)] = reference


@internal("Run by the operator's restore command on the server itself; an actor is only recorded.")
def chain_restore_record(*, backup: dict | None = None, actor=None) -> dict:
    """Record that the database was restored; returns the details recorded.

    Run once right after a restore. Under the chain lock, in one transaction: the audit event
    ``declaration_chain.restore`` and, when the restore lost checkpoints (copies above the table's
    highest number), a signed ``restore`` checkpoint linking to the checkpoint restored to.
    ``backup``: what the backup's manifest says (time, checkpoint head), kept in the event.
    """
    with transaction.atomic():
        chain_lock()
        last = Checkpoint.objects.order_by("-number").first()
        copies = lost_copies_read(above=last.number if last else -1)
        lost, unnamed, highest = lost_records_of(copies)
        for reference in reference_blocks_highest().values():  # also those signed after the last copy
            _highest_add(highest, reference)
        head = Declaration.objects.order_by("-sequence").only("sequence", "record_hash", "key_id").first()
        lost_heads = [copy.checkpoint.sequence for copy in copies]
        details = {
            "restored_to_checkpoint": last.number if last else None,
            "restored_head_sequence": head.sequence if head else 0,
            "lost_checkpoints": [copies[0].number, copies[-1].number] if copies else [],
            "lost_sequences": (
                [(head.sequence if head else 0) + 1, max(lost_heads)]
                if lost_heads and max(lost_heads) > (head.sequence if head else 0)
                else []
            ),
            "lost_records": lost,
            "lost_records_unnamed": unnamed,
            "highest_references": highest,
            "backup": {key: (backup or {}).get(key) for key in ("created_at", "checkpoint", "manifest_sha256")},
            "restore_checkpoint": checkpoint_number_next() if copies else None,
        }
        audit_event_record(action=RESTORE_ACTION, actor=actor, details=details)
        if copies:
            checkpoint = _checkpoint_append(head=head, reason=CheckpointReason.RESTORE, actor=actor)
            assert checkpoint.number == details["restore_checkpoint"]  # noqa: S101 (same lock, same transaction)
            details["restored_at"] = utc_text(checkpoint.created_at)
        return details


def _restore_events() -> list[dict]:
    return [
        details
        for details in AuditEvent.objects.filter(action=RESTORE_ACTION).values_list("details", flat=True)
        if isinstance(details, dict)
    ]


def restores_highest_reference(prefix: str) -> str | None:
    """The highest reference starting with ``prefix`` (``IMVO-2027-``) that a recorded restore names.

    One indexed query that finds nothing unless the database was ever restored.
    """
    year = prefix.split("-")[1]
    found = [(details.get("highest_references") or {}).get(year) or "" for details in _restore_events()]
    return max((reference for reference in found if reference.startswith(prefix)), default=None)


def restore_lost_receipt(*, reference: str, code: str) -> LostReceipt | None:
    """The lost record a receipt (reference and verification code) names, from the recorded restores."""
    for details in _restore_events():
        for sequence, ref, record_hash, key_id, signed_at in details.get("lost_records", []):
            probe = Declaration(sequence=sequence, reference=ref, record_hash=record_hash, key_id=key_id)
            if ref == reference and verification_code_matches(probe, code):
                restore_checkpoint = Checkpoint.objects.filter(number=details.get("restore_checkpoint")).first()
                return LostReceipt(
                    reference=ref,
                    signed_at=signed_at,
                    restored_at=utc_text(restore_checkpoint.created_at) if restore_checkpoint else "",
                    restored_to_checkpoint=details.get("restored_to_checkpoint"),
                    restore_checkpoint=details.get("restore_checkpoint"),
                )
    return None


def backup_head() -> dict:
    """The checkpoint head for a backup's manifest: number, digest, sequence, time (no keys)."""
    last = Checkpoint.objects.order_by("-number").first()
    head = Declaration.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    highest = Declaration.objects.exclude(reference="").aggregate(highest=Max("reference"))["highest"]
    return {
        "number": last.number if last else None,
        "digest": checkpoint_digest(last) if last else None,
        "sequence": last.sequence if last else None,
        "created_at": utc_text(last.created_at) if last else None,
        "head_sequence": head or 0,
        "highest_reference": highest or "",
        "storage_prefix": settings.CHECKPOINT_STORAGE_PREFIX,
    }
