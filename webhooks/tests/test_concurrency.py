"""On PostgreSQL, with real concurrent connections: collectors never make an event twice, and two
workers given the same delivery send it once."""

import pytest

from audit.services import audit_event_record
from missions.tests.factories import RegistrationFactory
from tests.factories import StaffUserFactory
from tests.races import run_times
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.services import webhook_delivery_send, webhook_endpoint_create, webhook_events_collect

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_collection_on_commit(monkeypatch):
    """Here every statement commits at once: the tests run the collector and the sends themselves."""
    monkeypatch.setattr("webhooks.receivers.enqueue", lambda *args, **kwargs: None)
    monkeypatch.setattr("webhooks.services.enqueue_on_commit", lambda *args, **kwargs: None)


def _together(target, n: int = 2) -> list:
    results = run_times(n, target, timeout=60)
    assert not results.errors, results.errors
    return list(results)


def test_concurrent_collectors_make_each_event_once():
    webhook_endpoint_create(
        actor=StaffUserFactory(), name="A", url="https://a.example.org/", event_types=["registration.submitted"]
    )
    webhook_endpoint_create(
        actor=StaffUserFactory(), name="B", url="https://b.example.org/", event_types=["registration.submitted"]
    )
    for _ in range(20):
        audit_event_record(action="registration.submit", obj=RegistrationFactory())

    made = _together(webhook_events_collect, n=3)

    assert sorted(made) == [0, 0, 40]
    assert WebhookEvent.objects.count() == 20 and WebhookDelivery.objects.count() == 40


def test_two_workers_with_the_same_delivery_send_it_once(receiver):
    webhook_endpoint_create(
        actor=StaffUserFactory(), name="R", url=receiver.url(), event_types=["registration.submitted"]
    )
    audit_event_record(action="registration.submit", obj=RegistrationFactory())
    webhook_events_collect()
    delivery = WebhookDelivery.objects.get()
    receiver.script = ["slow"]  # the first holds its claim while the second tries
    receiver.slow_seconds = 0.5

    results = _together(lambda: webhook_delivery_send(delivery_id=delivery.pk))

    assert sorted(map(str, results)) == ["None", "done"]
    assert len(receiver.received) == 1
