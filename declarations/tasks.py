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
