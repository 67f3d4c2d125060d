"""Workers racing for the same e-mail on PostgreSQL, each thread with its own connection."""

import threading

import pytest
from django.db import connection

from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import outbox_message_send

WORKERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_message_send_it_once(smtp_server):
    message = OutboxMessage.objects.create(to=["race@example.org"], subject="Race", body_text="x")
    barrier = threading.Barrier(WORKERS)
    results: list[bool] = []
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait(timeout=30)
            results.append(outbox_message_send(message_id=message.pk))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [False] * (WORKERS - 1) + [True]
    assert len(smtp_server.received_by("race@example.org")) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
