"""Thin tasks: collect events from the audit trail, send one delivery, beat's dispatch."""

from celery import shared_task

from . import services


@shared_task
def webhook_events_collect() -> int:
    """After a commit that wrote a webhook-worthy audit event (``receivers``): make its deliveries."""
    return services.webhook_events_collect()


# The time limits stay below the claim's lease (WEBHOOK_LEASE_SECONDS, default 60), so a live
# worker never loses its claim to another (``checks``).
DELIVER_SOFT_TIME_LIMIT = 40
DELIVER_TIME_LIMIT = 50


@shared_task(acks_late=True, soft_time_limit=DELIVER_SOFT_TIME_LIMIT, time_limit=DELIVER_TIME_LIMIT)
def webhook_deliver(delivery_id: int) -> str | None:
    """One attempt at one delivery; idempotent (a done, claimed or not yet due delivery is left alone)."""
    return services.webhook_delivery_send(delivery_id=delivery_id)


@shared_task
def webhooks_dispatch() -> int:
    """Beat, every minute: collect, reclaim deliveries of dead workers, queue the due ones."""
    return services.webhooks_dispatch()
