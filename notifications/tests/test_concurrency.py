"""Workers racing for the same e-mail on PostgreSQL, each thread with its own connection."""

from functools import partial

import pytest

from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import outbox_message_send
from tests.races import run_times

WORKERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_message_send_it_once(smtp_server):
    message = OutboxMessage.objects.create(to=["race@example.org"], subject="Race", body_text="x")
    results = run_times(WORKERS, partial(outbox_message_send, message_id=message.pk), timeout=60)
    assert results.errors == []
    assert sorted(results) == [False] * (WORKERS - 1) + [True]
    assert len(smtp_server.received_by("race@example.org")) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
