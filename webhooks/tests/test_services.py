"""Events come from the audit trail the domain already writes; endpoints are staff's, audited."""

import json

import pytest

from audit.models import AuditEvent
from audit.services import audit_event_record
from declarations.checkpoints import checkpoint_write
from declarations.constants import Decision
from missions.constants import RegistrationStatus
from missions.services.registrations import registration_withdraw
from missions.tests.factories import RegistrationFactory
from organisations.policies import NotAllowed
from staff.tests.factories import declare
from tests.factories import StaffUserFactory, UserFactory
from webhooks import services
from webhooks.exceptions import DeliveryNotResendable, EndpointInvalid
from webhooks.models import WebhookCursor, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

ALL_TYPES = [
    "registration.submitted",
    "registration.confirmed",
    "registration.withdrawn",
    "declaration.signed",
    "checkpoint.written",
]


def _create(url="https://hooks.example.org/imvo", types=ALL_TYPES, actor=None):
    return services.webhook_endpoint_create(
        actor=actor or StaffUserFactory(), name="Case system", url=url, event_types=list(types)
    )


def test_create_is_staff_only_audited_and_returns_the_secret_once():
    staff = StaffUserFactory()
    endpoint, secret = _create(actor=staff, types=["checkpoint.written"])
    assert secret.startswith("whsec_") and len(secret) > 40 and endpoint.secret == secret
    event = AuditEvent.objects.get(action="webhook.endpoint_create")
    assert event.actor == staff and event.object_id == str(endpoint.pk)
    assert event.details == {"host": "hooks.example.org", "event_types": ["checkpoint.written"]}
    assert secret not in json.dumps(event.details)
    with pytest.raises(NotAllowed):
        _create(actor=UserFactory())
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.org/",
        "ftp://hooks.example.org/",
        "https://user:pw@hooks.example.org/",
        "https://localhost/",
        "https://127.0.0.1/",
        "https://10.0.0.5/x",
        "https://[::1]/",
        "https://169.254.169.254/latest/meta-data/",
    ],
)
def test_endpoint_urls_must_be_public_https(url):
    with pytest.raises(EndpointInvalid):
        _create(url=url)


def test_event_types_are_validated():
    with pytest.raises(EndpointInvalid):
        _create(types=[])
    with pytest.raises(EndpointInvalid):
        _create(types=["registration.submitted", "everything"])


def test_update_disable_and_rotate_are_audited():
    staff = StaffUserFactory()
    endpoint, secret = _create(actor=staff)
    services.webhook_endpoint_update(
        endpoint=endpoint,
        actor=staff,
        name="CRM",
        url="https://crm.example.org/in",
        event_types=["declaration.signed"],
        is_active=True,
    )
    update = AuditEvent.objects.get(action="webhook.endpoint_update")
    assert update.details["changed"] == ["event_types", "name", "url"]
    services.webhook_endpoint_disable(endpoint=endpoint, actor=staff)
    services.webhook_endpoint_disable(endpoint=endpoint, actor=staff)  # idempotent: one event
    assert AuditEvent.objects.filter(action="webhook.endpoint_disable").count() == 1
    new = services.webhook_endpoint_secret_rotate(endpoint=endpoint, actor=staff)
    endpoint.refresh_from_db()
    assert new != secret and endpoint.secret == new and not endpoint.is_active
    assert AuditEvent.objects.filter(action="webhook.secret_rotate").count() == 1


def test_domain_events_become_deliveries_without_personal_data():
    """Real services write the audit events; the collector turns them into events."""
    endpoint, _secret = _create()
    registration = RegistrationFactory(status=RegistrationStatus.CONFIRMED)
    declare(registration, Decision.NOT_ENDORSED, explanation="Onze directeur Piet Klaassen twijfelt nog")
    registration_withdraw(
        registration=registration, actor=StaffUserFactory(), reason="Mail jan@bedrijf.nl voor de reden"
    )
    checkpoint_write(actor=StaffUserFactory())
    audit_event_record(action="mission.update", obj=registration.mission)  # not an event type

    made = services.webhook_events_collect()

    events = {e.type: e for e in WebhookEvent.objects.all()}
    assert set(events) >= {"declaration.signed", "registration.withdrawn", "checkpoint.written"}
    assert made == WebhookDelivery.objects.filter(endpoint=endpoint).count() == WebhookEvent.objects.count()
    signed = events["declaration.signed"].data
    assert signed["decision"] == "not_endorsed" and signed["organisation_id"] == registration.organisation_id
    assert signed["reference"] and len(signed["record_hash"]) == 64
    withdrawn = events["registration.withdrawn"].data
    assert withdrawn["registration_id"] == registration.pk
    assert withdrawn["mission"] == {"id": registration.mission_id, "slug": registration.mission.slug}
    assert set(events["checkpoint.written"].data) == {"number", "sequence", "reason"}
    user = registration.submitted_by
    for event in events.values():
        body = services.event_body(event).decode()
        for personal in ("Jan Jansen", "Directeur", "Piet Klaassen", "jan@bedrijf.nl", user.email, "127.0.0.1"):
            assert personal not in body


def test_collect_is_idempotent_and_never_replays_history():
    registration = RegistrationFactory()
    audit_event_record(action="registration.submit", obj=registration)  # before any endpoint
    endpoint, _secret = _create()
    audit_event_record(action="registration.submit", obj=RegistrationFactory())
    assert services.webhook_events_collect() == 1
    assert services.webhook_events_collect() == 0
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    assert WebhookCursor.objects.get().audit_sequence == AuditEvent.objects.order_by("-sequence").first().sequence


def test_only_subscribed_active_endpoints_get_an_event():
    confirmed, _s = _create(types=["registration.confirmed"])
    submitted, _s = _create(types=["registration.submitted"])
    disabled, _s = _create(types=["registration.submitted"])
    services.webhook_endpoint_disable(endpoint=disabled, actor=StaffUserFactory())
    audit_event_record(action="registration.submit", obj=RegistrationFactory())
    services.webhook_events_collect()
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [submitted.pk]
    assert not confirmed.deliveries.exists()


def test_the_audit_trail_triggers_a_collection_on_commit(django_capture_on_commit_callbacks):
    _create(types=["registration.submitted"])
    with django_capture_on_commit_callbacks(execute=True):
        audit_event_record(action="registration.submit", obj=RegistrationFactory())
    # Eager Celery in tests: the collection ran on commit and the delivery was attempted at once;
    # hooks.example.org does not resolve here (conftest), which is retried later like any DNS failure.
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    assert "does not resolve" in delivery.last_error or "not known" in delivery.last_error


def test_resend_requeues_a_failed_delivery_or_adds_one_beside_a_delivered_one():
    staff = StaffUserFactory()
    _create(types=["registration.submitted"])
    audit_event_record(action="registration.submit", obj=RegistrationFactory())
    services.webhook_events_collect()
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(DeliveryNotResendable):  # pending: still under way
        services.webhook_delivery_resend(delivery=delivery, actor=staff)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=14, last_error="HTTP 500")
    delivery.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.webhook_delivery_resend(delivery=delivery, actor=UserFactory())

    again = services.webhook_delivery_resend(delivery=delivery, actor=staff)
    assert again.pk == delivery.pk and (again.status, again.attempts) == ("pending", 0)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="done")
    delivery.refresh_from_db()
    beside = services.webhook_delivery_resend(delivery=delivery, actor=staff)
    assert beside.pk != delivery.pk and beside.event_id == delivery.event_id and beside.resent_from == delivery
    assert beside.status == "pending" and beside.attempts == 0
    events = AuditEvent.objects.filter(action="webhook.delivery_resend").order_by("sequence")
    assert [e.details["how"] for e in events] == ["requeued", "new delivery"]


def test_failed_deliveries_are_on_staffs_jobs_page_with_the_webhook_policy():
    from core import jobs

    kind = jobs.kind_get("webhooks.delivery")
    assert kind.model is WebhookDelivery and kind.policy == "webhook.manage"
    _create(types=["registration.submitted"])
    audit_event_record(action="registration.submit", obj=RegistrationFactory())
    services.webhook_events_collect()
    WebhookDelivery.objects.update(status="failed")
    [failed] = kind.failed()
    assert kind.describe(failed) == "registration.submitted → Case system"
    kind.retry(job=failed, actor=StaffUserFactory())
    failed.refresh_from_db()
    assert failed.status == "pending"


def test_system_checks_keep_an_attempt_within_the_claim(settings):
    from webhooks.checks import webhook_timing_check

    assert webhook_timing_check() == []
    settings.WEBHOOK_TIMEOUT_SECONDS = 45
    settings.WEBHOOK_LEASE_SECONDS = 30
    assert {e.id for e in webhook_timing_check()} == {"webhooks.E001", "webhooks.E002"}


def test_collect_costs_a_fixed_number_of_queries_whatever_the_batch(django_assert_max_num_queries):
    _create(types=["registration.submitted"])
    _create(types=["registration.submitted", "checkpoint.written"])
    registrations = [RegistrationFactory() for _ in range(5)]
    for i in range(120):
        audit_event_record(action="registration.submit", obj=registrations[i % 5])
    # About ten reads and writes; SQLite splits the 240-row insert in a few statements (its limit
    # on variables), PostgreSQL makes it one.
    with django_assert_max_num_queries(16):
        made = services.webhook_events_collect()
    assert made == 240 and WebhookEvent.objects.count() == 120
    body = json.loads(services.event_body(WebhookEvent.objects.order_by("audit_sequence").first()))
    assert body["data"]["mission"]["slug"] == registrations[0].mission.slug
