from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import OutboxMessage, OutboxStatus
from notifications.selectors import STUCK_PENDING_AFTER, outbox_messages_needing_attention

pytestmark = pytest.mark.django_db


def _message(subject, **fields):
    return OutboxMessage.objects.create(to=["a@example.org"], subject=subject, body_text="secret link", **fields)


def test_lists_failed_retrying_and_stuck_mail_only(django_assert_max_num_queries):
    now = timezone.now()
    _message("sent", status=OutboxStatus.SENT, next_attempt_at=None)
    _message("fresh", status=OutboxStatus.PENDING)
    _message("sending", status=OutboxStatus.SENDING, lease_expires_at=now + timedelta(minutes=1))
    _message("failed", status=OutboxStatus.FAILED, next_attempt_at=None)
    _message("retrying", status=OutboxStatus.RETRYING, next_attempt_at=now + timedelta(minutes=5))
    _message("abandoned", status=OutboxStatus.SENDING, lease_expires_at=now - timedelta(seconds=1))
    _message("never handed over", next_attempt_at=now - STUCK_PENDING_AFTER - timedelta(minutes=1))

    with django_assert_max_num_queries(1):
        subjects = {m.subject for m in outbox_messages_needing_attention()}
    assert subjects == {"failed", "retrying", "abandoned", "never handed over"}


def test_bodies_are_not_loaded():
    _message("failed", status=OutboxStatus.FAILED)
    [message] = outbox_messages_needing_attention()
    assert {"body_text", "body_html", "attachments"} <= message.get_deferred_fields()
