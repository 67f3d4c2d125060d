"""Receipt PDFs that went missing from storage come back, re-rendered from the evidence.

The record, its personal part and the text are in the database; the PDF is only a rendering of
them. When the stored file is gone (a lost media folder, a restore without media), the receipt is
put back to "being prepared" and rendered again by the worker: on its first download
(``ReceiptDownloadView``), when RVO staff ask again (``services.receipt_retry``) or by
``manage.py repair_files``. Nothing here claims or renders; the render task does that as for a
new receipt.

A re-rendered receipt is sealed anew (a new signing time, so new bytes). The SHA-256 of the file
the company already holds is kept in ``SupersededReceiptFile`` so that ``/verify/`` still
recognises that file as issued by the portal; the new file verifies by its own SHA-256.
"""

import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.file_repair import FileRepair
from core.service_checks import internal
from core.tasks import enqueue_on_commit

from .checkpoints import checkpoint_copy_names, checkpoint_storage_name
from .constants import CHECKPOINT_COPY_GRACE, ReceiptStatus
from .models import Checkpoint, Receipt, SupersededReceiptFile

logger = logging.getLogger(__name__)


class FoundBy:
    """What noticed a missing file (kept on ``SupersededReceiptFile`` and in the audit event)."""

    DOWNLOAD = "download"
    STAFF = "staff"
    REPAIR = "repair_files"


def receipt_file_missing(receipt: Receipt) -> bool:
    """A receipt marked done whose stored PDF is gone (one storage existence check)."""
    return receipt.status == ReceiptStatus.DONE and not (
        receipt.file_name and default_storage.exists(receipt.file_name)
    )


@internal(
    "Repairs a receipt file for whoever finds it missing: its owner's download (already authorised "
    "by the view), staff's retry (checked by the service) or the repair command."
)
def receipt_file_lost(*, receipt_id: int, found_by: str, actor=None, request=None) -> bool:
    """Queue a done receipt whose file is missing for rendering again. True when it was queued now.

    In one transaction, under the receipt's row lock: the SHA-256 of the lost file is kept
    (``SupersededReceiptFile``), the receipt goes back to pending, an audit event
    ``declaration.receipt_file_lost`` records it, and the render task is queued on commit.
    Idempotent: a receipt that is not done, or whose file is there, is left alone (False).
    """
    from .tasks import receipt_render  # tasks import services, which import this module

    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().select_related("declaration").get(pk=receipt_id)
        if not receipt_file_missing(receipt):
            return False
        if receipt.sha256 and not receipt.superseded_files.filter(sha256=receipt.sha256).exists():
            SupersededReceiptFile.objects.create(
                receipt=receipt, sha256=receipt.sha256, rendered_at=receipt.rendered_at, found_by=found_by
            )
        Receipt.objects.filter(pk=receipt.pk).update(
            status=ReceiptStatus.PENDING,
            attempts=0,
            lease_token="",
            lease_expires_at=None,
            next_attempt_at=None,
            finished_at=None,
            last_error="",
        )
        declaration = receipt.declaration
        audit_event_record(
            action="declaration.receipt_file_lost",
            actor=actor,
            obj=declaration,
            organisation_id=declaration.organisation_id,
            request=request,
            details={"receipt": receipt.pk, "sha256": receipt.sha256, "found_by": found_by},
        )
        enqueue_on_commit(receipt_render, receipt.pk)
    logger.warning("Receipt %s: stored file %s is missing; queued to render again", receipt_id, receipt.file_name)
    return True


def receipts_missing_files(*, chunk_size: int = 5000) -> list[int]:
    """The ids of done receipts whose file is not in storage.

    One listing of the receipts folder instead of an existence check per receipt (a million
    receipts: one paginated listing on object storage, not a million requests).
    """
    try:
        _dirs, files = default_storage.listdir(settings.RECEIPT_STORAGE_PREFIX)
    except FileNotFoundError:  # the whole folder is gone
        files = []
    present = {f"{settings.RECEIPT_STORAGE_PREFIX}/{name}" for name in files}
    done = Receipt.objects.filter(status=ReceiptStatus.DONE).values_list("pk", "file_name")
    return [pk for pk, name in done.iterator(chunk_size=chunk_size) if not name or name not in present]


def checkpoint_copies_lost() -> list[str]:
    """The write-once checkpoint copies missing from storage past ``CHECKPOINT_COPY_GRACE``: lost for good.

    Reported only, never written again (``checkpoints.checkpoint_copy_store``); ``verify_declarations``
    reports each as ``checkpoint_copy_missing``.
    """
    present = set(checkpoint_copy_names())
    old = Checkpoint.objects.filter(created_at__lte=timezone.now() - CHECKPOINT_COPY_GRACE).order_by("number")
    return [
        f"checkpoint {number}: {name}"
        for number in old.values_list("number", flat=True)
        if (name := checkpoint_storage_name(number)).rsplit("/", 1)[-1] not in present
    ]


def repair(*, dry_run: bool = False) -> FileRepair:
    """``manage.py repair_files`` (``core/file_repair.py``): receipts whose file is missing, queued again."""
    return FileRepair(label="receipts", queued=receipts_repair(dry_run=dry_run))


def repair_checkpoint_copies(*, dry_run: bool = False) -> FileRepair:
    """``manage.py repair_files``: lost checkpoint copies, reported and never rebuilt."""
    return FileRepair(label="checkpoint copies", lost=checkpoint_copies_lost())


def receipts_repair(*, dry_run: bool = False) -> list[str]:
    """``repair_files``: queue every done receipt whose file is missing; one line per receipt queued."""
    lines = []
    for receipt_id in receipts_missing_files():
        if dry_run or receipt_file_lost(receipt_id=receipt_id, found_by=FoundBy.REPAIR):
            declaration_id = Receipt.objects.filter(pk=receipt_id).values_list("declaration_id", flat=True).first()
            lines.append(f"receipt {receipt_id} (declaration {declaration_id})")
    return lines
