"""Signed checkpoints of the declaration chain: the head, anchored where the app cannot rewrite it.

A checkpoint states "at ``created_at`` the chain had ``record_count`` records and its head was
record ``sequence`` with hash ``record_hash``", is linked to the previous checkpoint by hash and
signed with the Ed25519 checkpoint key. It is written

- as the **genesis** (number 0, sequence 0, no records) before the first record exists: by
  ``declaration_record`` in the transaction of the first record, or earlier by
  ``checkpoint_write`` (``manage.py checkpoint_declarations``, the hourly beat) on an empty chain,
  so the chain is never an unanchored empty chain;
- by ``declaration_record`` in the same transaction once the chain reaches the previous
  checkpoint's ``next_due`` (``DECLARATION_CHECKPOINT_EVERY`` records later),
- every hour by beat (``checkpoint_hourly``) when the head has moved, and
- before a verification bundle is exported (reason ``bundle``), so no exported record is unanchored,

into the append-only ``Checkpoint`` table and, after commit, as a JSON copy into write-once
storage (``STORAGES["evidence"]``, under ``checkpoints/``). ``declarations_verify`` checks the
chain against every valid checkpoint of both places, so deleting records that a checkpoint covers,
also the last ones, is detected. Records appended after the latest checkpoint are not yet anchored:
at most ``DECLARATION_CHECKPOINT_EVERY`` - 1 records and about one hour (the beat interval).

**A number is never issued twice**, not even after the database was restored from a backup: the
next number is one above the highest in the table *and* the highest among the storage copies
(``checkpoint_number_next``), which a database restore does not roll back.
"""

import base64
import hashlib
import json
import logging
import re
import uuid
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from audit.chain import audit_lock
from audit.models import AuditEvent
from audit.services import audit_event_record
from core import jobs
from core.jobs import JobStatus
from core.service_checks import internal
from core.tasks import enqueue_on_commit
from organisations.policies import require

from .constants import (
    CHECKPOINT_COPY_GRACE,
    CHECKPOINT_FORMAT_1,
    CHECKPOINT_FORMAT_CURRENT,
    GENESIS_HASH,
    RESTORE_ACTION,
    CheckpointReason,
)
from .hashing import canonical, utc_text
from .keys import checkpoint_signing_key, current_chain_key, public_key_text
from .models import Checkpoint, CheckpointCopy, Declaration

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = CHECKPOINT_FORMAT_CURRENT  # 2: also the audit trail's head; format 1 stays verifiable
CHECKPOINT_FORMATS = (CHECKPOINT_FORMAT_1, CHECKPOINT_FORMAT_CURRENT)
# Any constant; serialises appends to the chain and its checkpoints across processes on PostgreSQL.
CHAIN_LOCK_KEY = 7_204_611


def chain_lock() -> None:
    """Serialise writers of the chain until the end of the current transaction.

    Takes the audit trail's lock first: every writer of the chain also appends audit events, so
    both locks are always taken in the same order and two writers never deadlock.
    """
    audit_lock()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def checkpoint_payload(checkpoint: Checkpoint) -> dict:
    """What the signature covers (format 2 adds the audit trail's head)."""
    payload = {
        "format": checkpoint.format,
        "number": checkpoint.number,
        "sequence": checkpoint.sequence,
        "record_hash": checkpoint.record_hash,
        "record_count": checkpoint.record_count,
        "chain_key_id": checkpoint.chain_key_id,
        "created_at": utc_text(checkpoint.created_at),
        "next_due": checkpoint.next_due,
        "reason": checkpoint.reason,
        "previous_hash": checkpoint.previous_hash,
        "signing_key_id": checkpoint.signing_key_id,
    }
    if checkpoint.format >= CHECKPOINT_FORMAT_CURRENT:
        payload["audit_sequence"] = checkpoint.audit_sequence
        payload["audit_hash"] = checkpoint.audit_hash
    return payload


def checkpoint_digest(checkpoint: Checkpoint) -> str:
    """Hash of a checkpoint's payload; the next checkpoint's ``previous_hash``."""
    return hashlib.sha256(canonical(checkpoint_payload(checkpoint))).hexdigest()


def checkpoint_signature_valid(checkpoint: Checkpoint, public_keys: dict[str, Ed25519PublicKey]) -> bool:
    key = public_keys.get(checkpoint.signing_key_id)
    if key is None:
        return False
    try:
        key.verify(base64.b64decode(checkpoint.signature, validate=True), canonical(checkpoint_payload(checkpoint)))
    except (InvalidSignature, ValueError):
        return False
    return True


#: Beyond this many records under one checkpoint (a bulk load) its copy names only their range.
ANNEX_MAX_RECORDS = 20_000

COPY_NAME = re.compile(r"checkpoint-(\d{10})\.json")


def checkpoint_storage_name(number: int) -> str:
    return f"{settings.CHECKPOINT_STORAGE_PREFIX}/checkpoint-{number:010d}.json"


def checkpoint_copy_names() -> list[str]:
    """The file names (without folder) in the checkpoint folder of the write-once storage."""
    try:
        _dirs, files = storages["evidence"].listdir(settings.CHECKPOINT_STORAGE_PREFIX)
    except FileNotFoundError:
        return []
    return sorted(files)


def checkpoint_number_next() -> int:
    """The number the next checkpoint gets: never one the table or the storage copies ever held.

    A database restore rolls the table back, not the write-once copies. So the number after the
    table's highest is checked against the storage, and skipped while a copy with that name exists
    (the checkpoints a restore removed from the table); with an empty table the highest copy counts.
    Normally one existence check. 0 (the genesis) when neither holds any. Call under ``chain_lock``.
    """
    highest = Checkpoint.objects.aggregate(highest=Max("number"))["highest"]
    if highest is None:
        numbers = [int(match.group(1)) for name in checkpoint_copy_names() if (match := COPY_NAME.fullmatch(name))]
        if not numbers:
            return 0
        highest = max(numbers)
    number = highest + 1
    storage = storages["evidence"]
    while storage.exists(checkpoint_storage_name(number)):
        number += 1
    return number


def checkpoint_annex(checkpoint: Checkpoint) -> dict:
    """What a storage copy keeps beside the signed head, for after a restore (``restores.py``).

    The records this checkpoint adds to the one before it in the table (sequence, reference, record
    hash, chain key id, signing time), so the records a database restore loses are named by
    reference and the references issued are known from storage; and, for a ``restore`` checkpoint,
    what that restore lost (from its audit event). Bound to the checkpoint by its digest.
    """
    before = (
        Checkpoint.objects.filter(number__lt=checkpoint.number).order_by("-number").values_list("sequence", flat=True)
    ).first()
    added = Declaration.objects.filter(sequence__gt=before or 0, sequence__lte=checkpoint.sequence)
    highest = added.exclude(reference="").aggregate(highest=Max("reference"))["highest"] or ""
    annex = {"checkpoint_digest": checkpoint_digest(checkpoint), "highest_reference": highest, "records": None}
    count = added.count()
    if count <= ANNEX_MAX_RECORDS:
        records = added.order_by("sequence").values_list("sequence", "reference", "record_hash", "key_id", "signed_at")
        annex["records"] = [[seq, ref, hash_, key_id, utc_text(at)] for seq, ref, hash_, key_id, at in records]
    else:  # a bulk load under one checkpoint: the range and the highest reference only
        annex["records_omitted"] = count
    restore = restore_details_for(checkpoint) if checkpoint.reason == CheckpointReason.RESTORE else None
    if restore:
        annex["restore"] = restore
    return annex


def restore_details_for(checkpoint: Checkpoint) -> dict | None:
    """The recorded details of the restore that ``checkpoint`` (kind ``restore``) follows (``restores.py``)."""
    for details in AuditEvent.objects.filter(action=RESTORE_ACTION).values_list("details", flat=True):
        if isinstance(details, dict) and details.get("restore_checkpoint") == checkpoint.number:
            return details
    return None


def checkpoint_document(checkpoint: Checkpoint) -> bytes:
    """The storage copy: payload, signature, the signed annex and (for convenience only) the signer's public key.

    A verifier must check the signature against a public key it trusts, never the one in the file.
    The annex (``checkpoint_annex``) is signed with the same key, over the checkpoint's digest.
    """
    key = checkpoint_signing_key()
    document = {"payload": checkpoint_payload(checkpoint), "signature": checkpoint.signature}
    annex = checkpoint_annex(checkpoint)
    document["annex"] = annex
    document["annex_signature"] = base64.b64encode(key.private_key.sign(canonical(annex))).decode()
    document["annex_key_id"] = key.key_id
    if key.key_id == checkpoint.signing_key_id:
        document["public_key"] = public_key_text(key.public_key)
    return json.dumps(document, sort_keys=True, indent=2).encode("utf-8") + b"\n"


def checkpoint_annex_read(raw: bytes, public_keys: dict[str, Ed25519PublicKey]) -> dict | None:
    """The annex of a storage copy if its signature verifies and it belongs to the copy's checkpoint, else None."""
    try:
        document = json.loads(raw)
        annex = document["annex"]
        key = public_keys.get(document["annex_key_id"])
        if key is None or annex["checkpoint_digest"] != checkpoint_digest(checkpoint_from_document(raw)):
            return None
        key.verify(base64.b64decode(document["annex_signature"], validate=True), canonical(annex))
    except (InvalidSignature, ValueError, KeyError, TypeError, AttributeError):
        return None
    return annex


def checkpoint_from_document(raw: bytes) -> Checkpoint:
    """An unsaved ``Checkpoint`` from a storage copy; ValueError/KeyError when it is not one."""
    document = json.loads(raw)
    payload = document["payload"]
    if payload.get("format") not in CHECKPOINT_FORMATS:
        raise ValueError("unknown checkpoint format")
    audit_sequence = payload.get("audit_sequence")
    return Checkpoint(
        format=int(payload["format"]),
        audit_sequence=int(audit_sequence) if audit_sequence is not None else None,
        audit_hash=str(payload.get("audit_hash", "")),
        number=int(payload["number"]),
        sequence=int(payload["sequence"]),
        record_hash=str(payload["record_hash"]),
        record_count=int(payload["record_count"]),
        chain_key_id=str(payload["chain_key_id"]),
        created_at=datetime.fromisoformat(payload["created_at"].replace("Z", "+00:00")),
        next_due=int(payload["next_due"]),
        reason=str(payload["reason"]),
        previous_hash=str(payload["previous_hash"]),
        signing_key_id=str(payload["signing_key_id"]),
        signature=str(document["signature"]),
    )


def _checkpoint_append(*, head: Declaration | None, reason: str, actor=None) -> Checkpoint:
    """Sign and append a checkpoint for ``head`` (None: the genesis of an empty chain).

    Call under ``chain_lock`` inside a transaction. The number comes from ``checkpoint_number_next``;
    the link is to the latest checkpoint in the table.
    """
    last = Checkpoint.objects.order_by("-number").first()
    key = checkpoint_signing_key()
    number = checkpoint_number_next()
    if head is None and number != 0 and reason != CheckpointReason.RESTORE:
        raise ValueError("a genesis checkpoint can only start a chain that never had one")
    if head is not None and number == 0:
        number = 1  # records from before genesis checkpoints (or bulk-loaded): the first anchors them, as before
    sequence = head.sequence if head is not None else 0
    # The audit event first, so the checkpoint's signed audit head covers it: right after a
    # checkpoint nothing in either chain is unanchored.
    audit_event_record(
        action="declaration_checkpoint.write",
        actor=actor,
        details={"number": number, "sequence": sequence, "reason": reason},
    )
    audit_head = _audit_head()
    checkpoint = Checkpoint(
        format=CHECKPOINT_FORMAT,
        audit_sequence=audit_head[0],
        audit_hash=audit_head[1],
        number=number,
        sequence=sequence,
        record_hash=head.record_hash if head is not None else GENESIS_HASH,
        record_count=Declaration.objects.filter(sequence__lte=head.sequence).count() if head is not None else 0,
        chain_key_id=head.key_id if head is not None else current_chain_key().key_id,
        created_at=timezone.now(),
        next_due=sequence + settings.DECLARATION_CHECKPOINT_EVERY,
        reason=reason,
        previous_hash=checkpoint_digest(last) if last else GENESIS_HASH,
        signing_key_id=key.key_id,
    )
    checkpoint.signature = base64.b64encode(key.private_key.sign(canonical(checkpoint_payload(checkpoint)))).decode()
    checkpoint.save()
    from .tasks import checkpoint_copy_store, checkpoint_timestamp  # tasks import this module: a real cycle

    enqueue_on_commit(checkpoint_copy_store, checkpoint.pk)
    enqueue_on_commit(checkpoint_timestamp, checkpoint.pk)  # RFC 3161, after commit (timestamps.py)
    return checkpoint


def checkpoint_genesis_ensure() -> Checkpoint | None:
    """Write the genesis checkpoint when no checkpoint was ever issued (table and copies empty).

    Called by ``declaration_record`` under the chain lock before the first record, and by
    ``checkpoint_write`` on an empty chain. Returns the genesis when written now.
    """
    if Checkpoint.objects.exists() or any(COPY_NAME.fullmatch(name) for name in checkpoint_copy_names()):
        return None
    return _checkpoint_append(head=None, reason=CheckpointReason.GENESIS)


def _audit_head() -> tuple[int, str] | None:
    """(sequence, hash) of the audit trail's latest chained event; read under ``chain_lock``."""
    return (
        AuditEvent.objects.filter(sequence__isnull=False)
        .order_by("-sequence")
        .values_list("sequence", "record_hash")
        .first()
    )


def checkpoint_if_due(*, head: Declaration) -> Checkpoint | None:
    """Append an interval checkpoint when ``head`` reached the latest checkpoint's ``next_due``.

    Called by ``declaration_record`` under the chain lock, in its transaction.
    """
    last = Checkpoint.objects.order_by("-number").only("next_due").first()
    due = last.next_due if last else settings.DECLARATION_CHECKPOINT_EVERY
    if head.sequence < due:
        return None
    return _checkpoint_append(head=head, reason=CheckpointReason.INTERVAL)


@internal("The portal checkpoints its own chain (beat, commands, demo data); an actor is only recorded.")
def checkpoint_write(*, reason: str = CheckpointReason.MANUAL, actor=None) -> Checkpoint | None:
    """Checkpoint the current head unless the latest checkpoint already covers it.

    On an empty chain that never had a checkpoint this writes the genesis instead. Idempotent;
    audited; the storage copy is written by a task after commit.
    """
    with transaction.atomic():
        chain_lock()
        head = Declaration.objects.order_by("-sequence").only("sequence", "record_hash", "key_id").first()
        if head is None:
            return checkpoint_genesis_ensure()
        last = Checkpoint.objects.order_by("-number").only("sequence", "record_hash", "audit_sequence").first()
        audit_head = _audit_head()
        audit_moved = audit_head is not None and (last is None or audit_head[0] > (last.audit_sequence or 0))
        unchanged = last is not None and (last.sequence, last.record_hash) == (head.sequence, head.record_hash)
        if unchanged and not audit_moved:
            return None
        return _checkpoint_append(head=head, reason=reason, actor=actor)


#: A checkpoint copy's lease: writing one small JSON file takes well under this.
COPY_LEASE_SECONDS = 60


def checkpoint_copy_store(*, checkpoint_id: int) -> bool:
    """Write the storage copy of one checkpoint unless it exists. Never overwrites. True when written now.

    Only within ``CHECKPOINT_COPY_GRACE`` of the checkpoint's writing (the copy task runs right
    after commit and retries for a few minutes): a copy missing later was lost (deleted, or never
    written) and stays missing, so that ``verify_declarations`` reports it instead of a rebuilt copy
    hiding the deletion.

    One worker at a time, through the checkpoint's ``CheckpointCopy`` job (``core.jobs``): a second
    delivery of the task while the first writes returns False. An error fails the attempt (the
    task retries it; after the last attempt staff see it on ``/staff/jobs/``) and propagates.
    """
    checkpoint = Checkpoint.objects.get(pk=checkpoint_id)
    storage = storages["evidence"]
    name = checkpoint_storage_name(checkpoint.number)
    job, _created = CheckpointCopy.objects.get_or_create(checkpoint=checkpoint)
    if job.status == JobStatus.DONE:
        if storage.exists(name):
            return False
        CheckpointCopy.objects.filter(pk=job.pk, status=JobStatus.DONE).update(status=JobStatus.PENDING)
    token = uuid.uuid4().hex
    claimed = jobs.claim(CheckpointCopy, pk=job.pk, token=token, lease_seconds=COPY_LEASE_SECONDS)
    if claimed is None:  # another worker writes it, or it failed (a staff retry queues it again)
        return False
    try:
        written = _checkpoint_copy_write(checkpoint, storage, name)
    except Exception as exc:
        jobs.fail(claimed, token, f"{exc.__class__.__name__}: {exc}", retry_in=timedelta(0))
        raise
    jobs.complete(claimed, token)
    return written


def checkpoint_copy_retry(*, job: CheckpointCopy, actor, request=None) -> CheckpointCopy:
    """Staff write a failed checkpoint copy again: in one transaction the job gets a fresh set of
    attempts, the audit event ``declaration.checkpoint_copy_retry`` is recorded and the write is
    queued on commit. Only RVO staff (raises ``NotAllowed``). A job that is not failed is left
    as it is, without an audit event."""
    from .tasks import checkpoint_copy_store as checkpoint_copy_store_task  # tasks import this module

    require(actor, "staff.access")
    with transaction.atomic():
        job = CheckpointCopy.objects.select_for_update().select_related("checkpoint").get(pk=job.pk)
        previous_error = job.last_error
        if not jobs.reset(job):
            return job
        audit_event_record(
            action="declaration.checkpoint_copy_retry",
            actor=actor,
            obj=job.checkpoint,
            request=request,
            details={"number": job.checkpoint.number, "previous_error": previous_error[:500]},
        )
        enqueue_on_commit(checkpoint_copy_store_task, job.checkpoint_id)
    job.refresh_from_db()
    return job


def _checkpoint_copy_write(checkpoint: Checkpoint, storage, name: str) -> bool:
    content = checkpoint_document(checkpoint)
    if storage.exists(name):
        with storage.open(name, "rb") as existing:
            if existing.read() != content:
                logger.error("Storage copy %s differs from checkpoint %s; left untouched", name, checkpoint.number)
        return False
    if checkpoint.created_at <= timezone.now() - CHECKPOINT_COPY_GRACE:
        logger.error(
            "Storage copy %s of checkpoint %s is lost; not written again (verify_declarations reports it)",
            name,
            checkpoint.number,
        )
        return False
    stored = storage.save(name, ContentFile(content))
    if stored != name:  # a concurrent writer stored it first; remove our duplicate under another name
        logger.warning(
            "Checkpoint %s copy was stored concurrently; removing the duplicate %s", checkpoint.number, stored
        )
        storage.delete(stored)
        return False
    return True


def checkpoint_copies_store_missing(*, recent: int = 50) -> int:
    """Write the copies that storage lacks of the latest ``recent`` checkpoints written within
    ``CHECKPOINT_COPY_GRACE`` (beat's safety net; an older missing copy is lost, see ``checkpoint_copy_store``)."""
    storage = storages["evidence"]
    written = 0
    young = Checkpoint.objects.filter(created_at__gt=timezone.now() - CHECKPOINT_COPY_GRACE)
    for checkpoint_id, number in young.order_by("-number").values_list("pk", "number")[:recent]:
        if not storage.exists(checkpoint_storage_name(number)):
            written += checkpoint_copy_store(checkpoint_id=checkpoint_id)
    return written


def checkpoint_covering(*, sequence: int) -> Checkpoint | None:
    """The first checkpoint whose head is at or after record ``sequence`` (it anchors that record)."""
    return Checkpoint.objects.filter(sequence__gte=sequence).order_by("number").first()


def checkpoint_copies_read() -> tuple[list[tuple[str, Checkpoint]], list[str]]:
    """Every checkpoint copy in storage as (name, unsaved checkpoint), and the names that could not be read."""
    storage = storages["evidence"]
    prefix = settings.CHECKPOINT_STORAGE_PREFIX
    copies, unreadable = [], []
    for file_name in checkpoint_copy_names():
        if not file_name.endswith(".json"):
            continue
        name = f"{prefix}/{file_name}"
        try:
            with storage.open(name, "rb") as handle:
                copies.append((name, checkpoint_from_document(handle.read())))
        except (ValueError, KeyError, TypeError, AttributeError):
            unreadable.append(name)
    return copies, unreadable
