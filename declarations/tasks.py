"""Receipt tasks: render one receipt PDF (retrying only what may pass) and beat's re-queue."""

import logging

from celery import shared_task

from core import tasks as portal_tasks
from core.tasks import TRANSIENT_ERRORS, retry_countdown

from . import checkpoints, services, timestamps
from .checkpoints import checkpoint_copies_store_missing, checkpoint_write
from .constants import CheckpointReason, ReceiptStatus
from .models import Checkpoint, Receipt

logger = logging.getLogger(__name__)


def _short_error(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"


@shared_task(bind=True, acks_late=True, max_retries=6)
def receipt_render(self, receipt_id: int) -> bool:
    """Render one receipt PDF (idempotent: a rendered receipt is left alone).

    Transient errors (storage, database, broker) are retried with back-off, and the receipt is
    failed once the retries are used up; any other error (a template error, a bug) fails it at
    once. Staff see a failed receipt with its error and can queue it again.
    """
    try:
        return services.receipt_render(receipt_id=receipt_id)
    except Receipt.DoesNotExist:
        return False
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            services.receipt_fail(receipt_id=receipt_id, error=_short_error(exc))
            raise
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, cap=300)) from exc
    except Exception as exc:
        logger.exception("Rendering receipt %s failed", receipt_id)
        services.receipt_fail(receipt_id=receipt_id, error=_short_error(exc))
        return False


@shared_task
def receipts_queue_missing() -> int:
    """Queue receipts that are still pending (e.g. the broker was down at commit time)."""
    ids = list(Receipt.objects.filter(status=ReceiptStatus.PENDING).values_list("pk", flat=True)[:200])
    for pk in ids:
        portal_tasks.enqueue(receipt_render, pk)
    return len(ids)


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def checkpoint_copy_store(self, checkpoint_id: int) -> bool:
    """Write the write-once storage copy of one checkpoint (idempotent: an existing copy is never touched)."""
    try:
        return checkpoints.checkpoint_copy_store(checkpoint_id=checkpoint_id)
    except Checkpoint.DoesNotExist:
        return False
    except Exception as exc:
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, acks_late=True, max_retries=10)
def checkpoint_timestamp(self, checkpoint_id: int) -> bool:
    """Fetch and store the RFC 3161 timestamp of one checkpoint (idempotent; a TSA outage is retried).

    Back-off 2, 4 … 300 s, about half an hour in all; beat's ``checkpoint_hourly`` queues any
    checkpoint still without a token, well inside ``DECLARATION_TSA_GRACE_SECONDS``.
    """
    try:
        return timestamps.checkpoint_timestamp_store(checkpoint_id=checkpoint_id)
    except Checkpoint.DoesNotExist:
        return False
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, cap=300)) from exc


@shared_task
def checkpoint_hourly() -> int | None:
    """Beat, every hour: checkpoint the head if it moved, write missing storage copies, fetch missing timestamps."""
    checkpoint = checkpoint_write(reason=CheckpointReason.HOURLY)
    checkpoint_copies_store_missing()
    for checkpoint_id in timestamps.checkpoints_timestamp_missing():
        portal_tasks.enqueue(checkpoint_timestamp, checkpoint_id)
    return checkpoint.number if checkpoint else None


@shared_task(acks_late=True)
def right_text_invite() -> int:
    """Daily: invite, once, the signatories whose current declaration is under another kind of text."""
    from .invitations import declarations_right_text_invite

    return declarations_right_text_invite()
