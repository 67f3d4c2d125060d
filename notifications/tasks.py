"""Outbox tasks: send one message (enqueued on commit) and beat's flush of whatever is due."""

from datetime import timedelta

from celery import shared_task

from . import services


# The limits stay below the claim's lease (services.LEASE), so a live worker never loses its claim.
@shared_task(acks_late=True, soft_time_limit=90, time_limit=120)
def outbox_send(message_id: int) -> bool:
    """Send one message; idempotent (a sent, failed, not yet due or claimed message is left alone)."""
    return services.outbox_message_send(message_id=message_id)


@shared_task
def outbox_flush(older_than_seconds: int = 30) -> int:
    """Beat, every minute: queue pending mail the worker never got (broker down at commit time),
    retrying mail whose next attempt is due, and mail whose worker died while sending."""
    return services.outbox_flush(pending_grace=timedelta(seconds=older_than_seconds))
