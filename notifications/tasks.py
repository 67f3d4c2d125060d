from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import OutboxMessage, OutboxStatus
from .services import outbox_message_send


@shared_task(acks_late=True)
def outbox_send(message_id: int) -> bool:
    return outbox_message_send(message_id=message_id)


@shared_task
def outbox_flush(older_than_seconds: int = 30) -> int:
    """Send e-mails that were never handed to the worker (broker down at commit time)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    return sum(outbox_message_send(message_id=pk) for pk in ids)
