"""Security events are JSON lines with request id and client IP; no secret ever reaches a log."""

import json
import logging
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.log_format import JsonFormatter, TokenRedactingFilter
from tests.factories import StaffUserFactory, UserFactory
from tests.mfa import mfa_pause_over, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


class _Collect(logging.Handler):
    """Formats every record like production does (JSON for imvo.security, redacted everywhere)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.addFilter(TokenRedactingFilter())
        self.setFormatter(JsonFormatter())

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def logs():
    handler = _Collect()
    loggers = [logging.getLogger(), logging.getLogger("imvo.security"), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    old_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)  # as in production (LOG_LEVEL)
    yield handler
    logging.getLogger().setLevel(old_level)
    for logger in loggers:
        logger.removeHandler(handler)


def _events(logs) -> list[dict]:
    return [json.loads(line) for line in logs.lines if '"logger": "imvo.security"' in line]


def test_login_events_are_json_with_request_id_and_the_client_ip_behind_a_trusted_proxy(client, logs, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    UserFactory(email="piet@example.org")
    response = client.post(
        reverse("accounts:login"),
        {"username": "piet@example.org", "password": "fout-wachtwoord"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    failed = [e for e in _events(logs) if e["event"] == "auth.login_failed"][0]
    assert failed["ip"] == "203.0.113.7" and failed["outcome"] == "failure" and failed["reason"] == "bad_password"
    assert failed["request_id"] == response["X-Request-ID"] and re.fullmatch(r"[0-9a-f]{32}", failed["request_id"])
    client.post(reverse("accounts:login"), {"username": "piet@example.org", "password": PASSWORD})
    assert [e["event"] for e in _events(logs)][-1] == "auth.login"


def test_a_request_id_from_a_stranger_is_replaced(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    response = client.get("/", HTTP_X_REQUEST_ID="chosen-by-attacker", REMOTE_ADDR="10.9.9.9")
    assert response["X-Request-ID"] != "chosen-by-attacker"
    response = client.get("/", HTTP_X_REQUEST_ID="from-our-proxy-123", REMOTE_ADDR="10.0.0.1")
    assert response["X-Request-ID"] == "from-our-proxy-123"


def test_no_password_token_or_code_reaches_a_log(client, logs, settings, django_capture_on_commit_callbacks):
    settings.AXES_FAILURE_LIMIT = 2
    secrets = ["Geheim-wachtwoord-2026!", "fout-wachtwoord-2026"]
    # Sign-up and its confirmation link (used twice: the second answer is logged as "Gone").
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:signup"),
            {
                "full_name": "Anna",
                "email": "anna@example.org",
                "language": "nl",
                "password1": secrets[0],
                "password2": secrets[0],
                "accept_privacy": "on",
            },
        )
    link = re.search(r"http://testserver(/accounts/confirm/([^\s/]+)/)", mail.outbox[-1].body)
    secrets.append(link.group(2))
    client.post(link.group(1))
    client.post(link.group(1))
    client.post(reverse("accounts:logout"))
    # Wrong passwords up to a lockout.
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "anna@example.org", "password": secrets[1]})
    # A password reset link, used after it stopped working.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "anna@example.org"})
    reset = re.search(r"http://testserver(/accounts/reset/([^\s/]+)/([^\s/]+)/)", mail.outbox[-1].body)
    secrets.append(reset.group(3))
    client.get(reset.group(1) + "x/")
    # Second factor: a wrong code and a right one.
    staff = StaffUserFactory()
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    other = client.__class__()
    other.post(reverse("accounts:login"), {"username": staff.email, "password": PASSWORD})
    right = totp_code(device)
    wrong = "000000" if right != "000000" else "111111"
    other.post(reverse("accounts:mfa_verify"), {"code": wrong})
    mfa_pause_over(other)
    other.post(reverse("accounts:mfa_verify"), {"code": right})
    secrets += [PASSWORD, right, wrong]

    text = "\n".join(logs.lines)
    events = {e["event"] for e in _events(logs)}
    assert {"auth.login_failed", "auth.lockout", "auth.mfa_failed", "auth.mfa_verified", "auth.login"} <= events
    assert "auth.confirmation_link_refused" in events and "auth.password_reset_requested" in events
    assert "/accounts/confirm/[redacted]/" in text  # Django's own "Gone: /accounts/confirm/…" line
    for secret in secrets:
        assert secret not in text, secret


def test_every_security_event_is_in_the_audit_trail_too(client):
    from audit.models import AuditEvent

    UserFactory(email="piet@example.org")
    client.post(reverse("accounts:login"), {"username": "piet@example.org", "password": "fout"})
    client.post(reverse("accounts:login"), {"username": "piet@example.org", "password": PASSWORD})
    client.post(reverse("accounts:password_change"), {})
    client.post(reverse("accounts:logout"))
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["auth.login_failed", "auth.login", "auth.logout"]
