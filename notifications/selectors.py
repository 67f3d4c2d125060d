"""Reads of the outbox."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import OutboxMessage, OutboxStatus

# Pending this long means the worker never got it (the flush would have handed it over by now).
STUCK_PENDING_AFTER = timedelta(minutes=15)


def outbox_messages_needing_attention(*, now=None) -> QuerySet[OutboxMessage]:
    """Failed and retrying mail, and mail stuck in pending or in sending past its lease; newest first.

    Bodies and attachments are left out: lists only need the envelope, and bodies may be cleared.
    """
    now = now or timezone.now()
    return (
        OutboxMessage.objects.filter(
            Q(status__in=[OutboxStatus.FAILED, OutboxStatus.RETRYING])
            | Q(status=OutboxStatus.SENDING, lease_until__lt=now)
            | Q(status=OutboxStatus.PENDING, next_attempt_at__lt=now - STUCK_PENDING_AFTER)
        )
        .defer("body_text", "body_html", "attachments")
        .order_by("-created_at", "-pk")
    )
