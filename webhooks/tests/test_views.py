"""/staff/webhooks/: RVO staff only (access matrix from the URL configuration), CSRF, the secret
shown once, paginated deliveries with a bounded number of queries, re-send."""

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import translation

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_event_record
from missions.tests.factories import RegistrationFactory
from tests.factories import MinistryUserFactory, StaffUserFactory, member_of
from tests.mfa import login_staff
from webhooks import services
from webhooks import urls as webhook_urls
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

URL_NAMES = [p.name for p in webhook_urls.urlpatterns if isinstance(p, URLPattern)]
FORM = {"name": "Zaaksysteem", "url": "https://zaak.example.org/hook", "event_types": ["declaration.signed"]}

# URL name → (object providing pk, POST data for a valid staff action or None if GET view)
ROUTES = {
    "endpoint_list": (None, None),
    "endpoint_create": (None, None),
    "endpoint_detail": ("endpoint", None),
    "endpoint_edit": ("endpoint", None),
    "endpoint_disable": ("endpoint", {}),
    "endpoint_secret_rotate": ("endpoint", {}),
    "delivery_resend": ("delivery", {}),
}


def _world():
    staff = StaffUserFactory()
    endpoint, _secret = services.webhook_endpoint_create(
        actor=staff, name="Case system", url="https://hooks.example.org/", event_types=["registration.submitted"]
    )
    audit_event_record(action="registration.submit", obj=RegistrationFactory())
    services.webhook_events_collect()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    return {"staff": staff, "endpoint": endpoint, "delivery": delivery}


def test_every_webhook_url_is_covered():
    assert sorted(URL_NAMES) == sorted(ROUTES)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_webhook_url_access(client, name):
    world = _world()
    source, post_data = ROUTES[name]
    url = reverse(f"webhooks:{name}", kwargs={"pk": world[source].pk} if source else {})
    assert url.startswith("/staff/webhooks/")
    send = client.get if post_data is None else client.post
    data = post_data or {}

    response = send(url, data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), name
    client.force_login(member_of())
    assert send(url, data).status_code == 403, name
    login_staff(client, MinistryUserFactory())
    assert send(url, data).status_code == 403, name
    superuser = User.objects.create_superuser(email="root@example.org", password="x" * 14, full_name="Root")
    login_staff(client, superuser)  # an operator is not RVO staff
    assert send(url, data).status_code == 403, name

    login_staff(client, world["staff"])
    if post_data is None:
        assert client.get(url).status_code == 200, name
    else:
        assert client.get(url).status_code == 405, name
        response = client.post(url, post_data)
        assert response.status_code == 302 and response["Location"].startswith("/staff/webhooks/"), name


def test_create_shows_the_secret_once():
    staff = StaffUserFactory()
    client = Client()
    login_staff(client, staff)
    with translation.override("en"):
        response = client.post(reverse("webhooks:endpoint_create"), FORM, HTTP_ACCEPT_LANGUAGE="en")
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "webhooks:endpoint_detail", args=[endpoint.pk]
    )
    page = client.get(response["Location"])
    assert endpoint.secret in page.content.decode() and "no-store" in page["Cache-Control"]
    again = client.get(response["Location"])
    assert endpoint.secret not in again.content.decode()
    assert AuditEvent.objects.filter(action="webhook.endpoint_create", actor=staff).count() == 1


def test_create_refuses_private_urls_with_a_message():
    client = Client()
    login_staff(client, StaffUserFactory())
    response = client.post(reverse("webhooks:endpoint_create"), {**FORM, "url": "https://192.168.1.1/hook"})
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_forms_and_buttons_need_csrf():
    world = _world()
    client = Client(enforce_csrf_checks=True)
    login_staff(client, world["staff"])
    assert client.post(reverse("webhooks:endpoint_create"), FORM).status_code == 403
    assert client.post(reverse("webhooks:delivery_resend", args=[world["delivery"].pk])).status_code == 403
    assert client.post(reverse("webhooks:endpoint_disable", args=[world["endpoint"].pk])).status_code == 403
    assert WebhookEndpoint.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_delivery_list_is_paginated_with_bounded_queries(django_assert_max_num_queries):
    world = _world()
    for _ in range(60):
        audit_event_record(action="registration.submit", obj=RegistrationFactory())
    services.webhook_events_collect()
    client = Client()
    login_staff(client, world["staff"])
    url = reverse("webhooks:endpoint_detail", args=[world["endpoint"].pk])
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["deliveries"]) == 25 and response.context["page_obj"].paginator.count == 61
    with django_assert_max_num_queries(15):
        assert client.get(reverse("webhooks:endpoint_list")).status_code == 200


def test_disabled_endpoint_can_be_enabled_again_by_editing():
    world = _world()
    client = Client()
    login_staff(client, world["staff"])
    endpoint = world["endpoint"]
    client.post(reverse("webhooks:endpoint_disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    data = {"name": "Case system", "url": endpoint.url, "event_types": ["registration.submitted"], "is_active": "on"}
    assert client.post(reverse("webhooks:endpoint_edit", args=[endpoint.pk]), data).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active
