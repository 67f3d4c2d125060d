from celery import shared_task

from .constants import ReceiptStatus
from .models import Receipt
from .services import receipt_render as receipt_render_service


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=30)
def receipt_render(self, receipt_id: int) -> bool:
    """Render one receipt PDF (idempotent: a rendered receipt is left alone)."""
    try:
        return receipt_render_service(receipt_id=receipt_id)
    except Receipt.DoesNotExist:
        return False
    except Exception as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def receipts_queue_missing() -> int:
    """Queue receipts that are still pending (e.g. the broker was down at commit time)."""
    from imvo_portal.tasks import enqueue

    ids = list(Receipt.objects.filter(status=ReceiptStatus.PENDING).values_list("pk", flat=True)[:200])
    for pk in ids:
        enqueue(receipt_render, pk)
    return len(ids)


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def checkpoint_copy_store(self, checkpoint_id: int) -> bool:
    """Write the write-once storage copy of one checkpoint (idempotent: an existing copy is never touched)."""
    from .checkpoints import checkpoint_copy_store as store
    from .models import Checkpoint

    try:
        return store(checkpoint_id=checkpoint_id)
    except Checkpoint.DoesNotExist:
        return False
    except Exception as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def checkpoint_hourly() -> int | None:
    """Beat, every hour: checkpoint the head if it moved, and write any missing storage copies."""
    from .checkpoints import checkpoint_copies_store_missing, checkpoint_write
    from .constants import CheckpointReason

    checkpoint = checkpoint_write(reason=CheckpointReason.HOURLY)
    checkpoint_copies_store_missing()
    return checkpoint.number if checkpoint else None
