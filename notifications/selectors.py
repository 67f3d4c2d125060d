"""Reads of the outbox."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.addresses import normalise_email, recipient_addresses

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
            | Q(status=OutboxStatus.SENDING, lease_expires_at__lt=now)
            | Q(status=OutboxStatus.PENDING, next_attempt_at__lt=now - STUCK_PENDING_AFTER)
        )
        .defer("body_text", "body_html", "attachments")
        .order_by("-created_at", "-pk")
    )


def outbox_messages_to(*, email: str) -> QuerySet[OutboxMessage]:
    """The outgoing e-mail that has ``email`` as one of its recipients, compared as whole addresses.

    Each message's recipient list is parsed (``"Name <a@x.nl>"`` too) and every address normalised
    as login does, so ``A@X.nl`` is the same person as ``a@x.nl`` and ``probe-a@x.nl`` or
    ``a@x.nl.evil`` are not. The text search only narrows the candidates in the database (the
    recipients are a JSON list); the decision is the exact comparison.
    """
    address = normalise_email(email)
    if not address:
        return OutboxMessage.objects.none()
    candidates = OutboxMessage.objects.filter(to__icontains=address).values_list("pk", "to")
    return OutboxMessage.objects.filter(pk__in=[pk for pk, to in candidates if address in recipient_addresses(to)])
