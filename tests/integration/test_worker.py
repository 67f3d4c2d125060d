"""Round trips through a real Redis broker and a real Celery worker process."""

import pytest
from django.core import mail
from django.test import Client

from notifications.models import OutboxMessage
from notifications.services import email_queue
from tests.workers import celery_live, wait_for  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


def test_worker_sends_outbox_mail_and_healthz_sees_it(celery_live, settings):  # noqa: F811
    worker = celery_live()
    response = Client().get("/healthz")
    data = response.json()
    assert data["broker"]["status"] == "up"
    assert data["worker"]["status"] == "up" and data["worker"]["workers"] >= 1

    from django.db import transaction

    with transaction.atomic():
        message = email_queue(
            to="w@example.org",
            template="accounts/email/confirm",
            context={"user": {"full_name": "W"}, "confirm_url": "http://x", "days": 3},
        )
    # The worker (console backend) sends it and marks the row.
    wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).status == "sent", timeout=30)
    assert mail.outbox == []  # not sent by this process
    assert worker.process.poll() is None
