import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _login(client, email, password, ip="10.1.1.1"):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_login_and_failed_login_are_audited(client):
    user = UserFactory(email="piet@example.org")
    assert _login(client, "piet@example.org", "wrong").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login_failed", details__username="piet@example.org").count() == 1
    assert _login(client, "piet@example.org", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", actor=user).exists()


def test_email_login_is_case_insensitive(client):
    UserFactory(email="piet@example.org")
    assert _login(client, "Piet@Example.org", PASSWORD).status_code == 302


def test_lockout_after_repeated_failures_returns_429(client, settings):
    UserFactory(email="piet@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "piet@example.org", "wrong").status_code == 200
    response = _login(client, "piet@example.org", "wrong")
    assert response.status_code == 429
    assert "Te veel mislukte" in response.content.decode()
    # Even the right password is refused from this IP while locked.
    assert _login(client, "piet@example.org", PASSWORD).status_code == 429
    assert AuditEvent.objects.filter(action="auth.lockout", details__username="piet@example.org").exists()


def test_lockout_is_per_account_and_ip_so_nobody_locks_out_another(client, settings):
    UserFactory(email="piet@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "piet@example.org", "wrong", ip="10.6.6.6")
    assert _login(client, "piet@example.org", "wrong", ip="10.6.6.6").status_code == 429
    # The real user, from elsewhere, still gets in.
    assert _login(client, "piet@example.org", PASSWORD, ip="10.2.2.2").status_code == 302


def test_cool_off_escalates_with_repeated_lockouts(rf):
    from accounts.security import BASE_COOL_OFF, escalating_cool_off
    from audit.services import audit_event_record

    request = rf.post("/accounts/login/", {"username": "piet@example.org"})
    assert escalating_cool_off(request) == BASE_COOL_OFF
    for _ in range(3):
        audit_event_record(action="auth.lockout", details={"username": "piet@example.org"})
    assert escalating_cool_off(request) == BASE_COOL_OFF * 4


def test_inactive_user_cannot_log_in(client):
    UserFactory(email="new@example.org", is_active=False)
    response = _login(client, "new@example.org", PASSWORD)
    assert response.status_code == 200
    assert "bevestig" in response.content.decode().lower()


def test_logout_requires_post(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302
