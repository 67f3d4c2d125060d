"""Round trips through a real Redis broker and a real Celery worker process."""

import pytest
from django.core import mail
from django.test import Client

from notifications.models import OutboxMessage
from notifications.services import email_queue
from tests.workers import celery_live, wait_for  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


def test_worker_sends_outbox_mail_and_readiness_sees_it(celery_live, settings):  # noqa: F811
    worker = celery_live()
    response = Client().get("/healthz/ready")
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


def test_the_worker_ignores_and_logs_a_message_delivered_too_often(celery_live, settings):  # noqa: F811
    """The poison guard runs inside a real worker: the (N+1)th delivery of one message is dropped."""
    import uuid

    from brochures.tasks import renditions_queue_missing

    worker = celery_live()
    task_id = str(uuid.uuid4())
    deliveries = settings.TASK_MAX_DELIVERIES + 1
    # The same message (same id, same retry number) delivered again and again, as after repeated worker crashes.
    for _ in range(deliveries):
        renditions_queue_missing.apply_async(task_id=task_id)

    give_up = f"delivered {deliveries} times"
    wait_for(lambda: give_up in worker.log_path.read_text(errors="replace"), timeout=60)
    log = worker.log_path.read_text(errors="replace")
    assert log.count(f"renditions_queue_missing[{task_id}] received") == deliveries
    assert log.count(f"renditions_queue_missing[{task_id}] (retry 0) delivered") == 1
    assert "Signal handler" not in log  # the guard is not a swallowed signal-handler error
    assert worker.process.poll() is None
