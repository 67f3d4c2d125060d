"""Deliveries against a real local HTTPS receiver: signature, retries, timeouts, refused addresses."""

import json
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.services import audit_event_record
from core import jobs
from missions.tests.factories import RegistrationFactory
from tests.factories import StaffUserFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_delivery_send, webhook_endpoint_create, webhook_events_collect
from webhooks.signing import signature_verify

pytestmark = pytest.mark.django_db


def _endpoint(url: str, types=("registration.submitted",)) -> tuple[WebhookEndpoint, str]:
    return webhook_endpoint_create(actor=StaffUserFactory(), name="Case system", url=url, event_types=list(types))


def _delivery(url: str) -> tuple[WebhookDelivery, str]:
    endpoint, secret = _endpoint(url)
    registration = RegistrationFactory()
    audit_event_record(action="registration.submit", actor=registration.submitted_by, obj=registration)
    assert webhook_events_collect() == 1
    return WebhookDelivery.objects.get(endpoint=endpoint), secret


def _due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_delivery_is_signed_and_verifiable_by_the_receiver(receiver):
    delivery, secret = _delivery(receiver.url())

    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.DONE

    [request] = receiver.received
    assert request.path == "/hooks/imvo"
    assert request.headers["Content-Type"] == "application/json"
    assert signature_verify(secret, request.headers["Webhook-Signature"], request.body)
    assert not signature_verify(secret, request.headers["Webhook-Signature"], request.body + b" ")
    assert not signature_verify("whsec_other", request.headers["Webhook-Signature"], request.body)
    body = json.loads(request.body)
    assert body["id"] == request.headers["Webhook-Id"] == str(delivery.event_id)
    assert body["type"] == "registration.submitted"
    assert body["occurred_at"].endswith("+00:00")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("done", 1, 200)


def test_a_500_is_retried_with_backoff_and_then_delivered(receiver):
    receiver.script = [500]
    delivery, secret = _delivery(receiver.url())

    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.response_status == 500 and "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=30)
    # Not due yet: a second task for it (a duplicate message) sends nothing.
    assert webhook_delivery_send(delivery_id=delivery.pk) is None
    assert len(receiver.received) == 1

    _due_now(delivery)
    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.DONE
    first, second = receiver.received
    assert first.body == second.body  # the same event, signed afresh
    assert signature_verify(secret, second.headers["Webhook-Signature"], second.body)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("done", 2, 200)


def test_a_timeout_is_retried(receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.slow_seconds = 1.5
    receiver.script = ["slow"]
    delivery, _secret = _delivery(receiver.url())

    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.RETRYING
    delivery.refresh_from_db()
    assert "timed out" in delivery.last_error.lower() and delivery.response_status is None

    _due_now(delivery)
    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.DONE
    assert len(receiver.received) == 2


def test_gives_up_after_the_last_attempt(receiver, monkeypatch):
    monkeypatch.setattr(WebhookDelivery, "job_max_attempts", 2)
    receiver.script = [503, 503]
    delivery, _secret = _delivery(receiver.url())
    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.RETRYING
    _due_now(delivery)
    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 2


def test_the_connection_goes_to_the_checked_address_and_tls_verifies_the_name(receiver, monkeypatch):
    """receiver.test resolves (once) to 127.0.0.1; the certificate is checked for receiver.test."""
    real = socket.getaddrinfo
    calls = []

    def fake(host, *args, **kwargs):
        calls.append(host)
        if host == "receiver.test":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    delivery, _secret = _delivery(receiver.url("receiver.test"))
    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.DONE
    assert receiver.received[0].headers["Host"].startswith("receiver.test")
    assert calls.count("receiver.test") == 1


def test_a_certificate_for_another_name_is_refused(receiver, monkeypatch):
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, *a, **kw: real("127.0.0.1" if host == "other.test" else host, *a, **kw)
    )
    delivery, _secret = _delivery(receiver.url("other.test"))
    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.RETRYING
    delivery.refresh_from_db()
    assert "certificate" in delivery.last_error.lower()
    assert receiver.received == []


@pytest.mark.parametrize(
    "resolved",
    [
        ["127.0.0.1"],
        ["10.1.2.3"],
        ["192.168.1.10"],
        ["172.16.0.1"],
        ["169.254.169.254"],
        ["100.64.0.1"],
        ["0.0.0.0"],
        ["::1"],
        ["fe80::1"],
        ["fd00::1"],
        ["::ffff:127.0.0.1"],
        ["93.184.215.14", "10.0.0.1"],  # one bad address among good ones is enough to refuse
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(receiver, settings, monkeypatch, resolved):
    """The receiver is really listening on 127.0.0.1; with no test exception it is never reached."""
    settings.WEBHOOK_TEST_ALLOWED_ADDRESSES = []

    def fake(host, port, *args, **kwargs):
        family = socket.AF_INET6
        return [(family if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in resolved]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    endpoint, _secret = webhook_endpoint_create(
        actor=StaffUserFactory(),
        name="Rebind",
        url=f"https://hooks.example.org:{receiver.port}/",
        event_types=["registration.submitted"],
    )
    registration = RegistrationFactory()
    audit_event_record(action="registration.submit", obj=registration)
    webhook_events_collect()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.FAILED
    delivery.refresh_from_db()
    assert "non-public address" in delivery.last_error and delivery.attempts == 1
    assert receiver.received == []


def test_literal_private_addresses_are_refused_when_sending_too(receiver, settings):
    delivery, _secret = _delivery(receiver.url())
    settings.WEBHOOK_TEST_ALLOWED_ADDRESSES = []
    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.FAILED
    assert receiver.received == []


def test_a_disabled_endpoint_gets_nothing(receiver):
    delivery, _secret = _delivery(receiver.url())
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(is_active=False)
    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.FAILED
    assert receiver.received == []


def test_a_receiver_that_trickles_its_answer_is_cut_off_in_time(receiver, settings):
    """Each byte comes within the read timeout; the whole attempt is still bounded."""
    import time

    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    receiver.slow_seconds = 4
    receiver.script = ["trickle"]
    delivery, _secret = _delivery(receiver.url())

    started = time.monotonic()
    assert webhook_delivery_send(delivery_id=delivery.pk) == jobs.JobStatus.RETRYING
    assert time.monotonic() - started < 3
    delivery.refresh_from_db()
    assert "timed out" in delivery.last_error
