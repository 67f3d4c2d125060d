"""/staff/api-clients/: RVO staff only, the secret shown once, every change audited, CSRF on."""

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from oauth2_provider.models import Application

from api import staff_urls
from api.models import ApiClient
from api.services import api_client_create
from audit.models import AuditEvent
from tests.factories import MinistryUserFactory, StaffUserFactory, member_of
from tests.mfa import login_staff

from .conftest import TOKEN_URL, Machine

pytestmark = pytest.mark.django_db


def _routes(client_pk):
    """Every URL of the area with its method (the list fails when a new URL is not covered)."""
    routes = {
        "client_list": ("get", reverse("api_staff:client_list")),
        "client_create": ("post", reverse("api_staff:client_create")),
        "client_rotate": ("post", reverse("api_staff:client_rotate", args=[client_pk])),
        "client_revoke": ("post", reverse("api_staff:client_revoke", args=[client_pk])),
    }
    assert set(routes) == {p.name for p in staff_urls.urlpatterns if isinstance(p, URLPattern)}
    return routes


@pytest.mark.parametrize("who", ["anonymous", "company", "ministry"])
def test_only_staff_reach_the_client_pages(client, who):
    target, _ = api_client_create(actor=StaffUserFactory(), name="CRM", scopes=["missions:read"])
    if who == "company":
        client.force_login(member_of())
    elif who == "ministry":
        login_staff(client, MinistryUserFactory())
    for method, url in _routes(target.pk).values():
        response = getattr(client, method)(url, {"name": "x", "scopes": ["missions:read"]})
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        else:
            assert response.status_code == 403, url
    target.refresh_from_db()
    assert target.revoked_at is None and target.secret_rotated_at is None
    assert ApiClient.objects.count() == 1


def test_staff_create_a_client_and_see_the_secret_once(client):
    staff = StaffUserFactory()
    login_staff(client, staff)
    assert client.get(reverse("api_staff:client_list")).status_code == 200
    assert client.get(reverse("api_staff:client_create")).status_code == 200
    response = client.post(
        reverse("api_staff:client_create"), {"name": "Zaaksysteem", "scopes": ["registrations:read", "missions:read"]}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    secret = response.context["secret"]
    created = ApiClient.objects.get(name="Zaaksysteem")
    assert secret.encode() in response.content
    assert created.scopes == ["missions:read", "registrations:read"]
    # Only a hash is kept; the list never shows it again.
    assert not Application.objects.filter(client_secret=secret).exists()
    assert secret.encode() not in client.get(reverse("api_staff:client_list")).content
    event = AuditEvent.objects.get(action="api_client.create")
    assert event.actor == staff and event.details["scopes"] == ["missions:read", "registrations:read"]
    assert secret not in str(event.details)
    # The secret works for a token.
    assert Machine(created, secret).token


def test_creating_without_a_scope_or_name_is_refused(client):
    login_staff(client, StaffUserFactory())
    response = client.post(reverse("api_staff:client_create"), {"name": "", "scopes": []})
    assert response.status_code == 400
    assert not ApiClient.objects.exists()
    response = client.post(reverse("api_staff:client_create"), {"name": "x", "scopes": ["everything:write"]})
    assert response.status_code == 400


def test_staff_rotate_and_revoke(client):
    staff = StaffUserFactory()
    login_staff(client, staff)
    target, old_secret = api_client_create(actor=staff, name="CRM", scopes=["missions:read"])
    rotated = client.post(reverse("api_staff:client_rotate", args=[target.pk]))
    assert rotated.status_code == 200
    new_secret = rotated.context["secret"]
    assert new_secret != old_secret
    data = {"grant_type": "client_credentials", "client_id": target.client_id}
    assert Client().post(TOKEN_URL, {**data, "client_secret": old_secret}).status_code == 401
    assert Client().post(TOKEN_URL, {**data, "client_secret": new_secret}).status_code == 200
    revoked = client.post(reverse("api_staff:client_revoke", args=[target.pk]))
    assert revoked.status_code == 302
    assert Client().post(TOKEN_URL, {**data, "client_secret": new_secret}).status_code == 401
    actions = list(AuditEvent.objects.filter(action__startswith="api_client.").values_list("action", flat=True))
    assert sorted(actions) == ["api_client.create", "api_client.revoke", "api_client.rotate"]
    # A revoked client cannot get a new secret.
    assert client.post(reverse("api_staff:client_rotate", args=[target.pk])).status_code == 302


def test_client_pages_need_the_csrf_token():
    staff = StaffUserFactory()
    browser = Client(enforce_csrf_checks=True)
    login_staff(browser, staff)
    response = browser.post(reverse("api_staff:client_create"), {"name": "x", "scopes": ["missions:read"]})
    assert response.status_code == 403
    assert not ApiClient.objects.exists()


def test_admin_shows_clients_read_only(client):
    from django.contrib.admin.sites import site

    admin = site._registry[ApiClient]
    assert not admin.has_add_permission(None)
    assert not admin.has_change_permission(None)
    assert not admin.has_delete_permission(None)
