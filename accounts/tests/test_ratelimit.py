"""Rate limits: a translated 429 page, counted in the cache, in the database while Redis is down."""

import pytest
from django.urls import reverse

from accounts.models import ThrottleCounter
from accounts.ratelimit import parse_rate
from accounts.throttle import throttle_hit, throttle_peek
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _signup(client, number: int, ip: str = "10.3.3.3"):
    return client.post(
        reverse("accounts:signup"),
        {"full_name": "A", "email": f"a{number}@example.org", "language": "nl", "password1": "x", "password2": "y"},
        REMOTE_ADDR=ip,
    )


def test_parse_rate():
    assert parse_rate("10/h") == (10, 3600)
    assert parse_rate("5/15m") == (5, 900)
    assert parse_rate("3/d") == (3, 86400)


def test_signup_is_limited_per_address_with_a_translated_429_page(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "3/h"}
    for number in range(3):
        assert _signup(client, number).status_code == 200  # form errors, but counted
    response = _signup(client, 4)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Te veel verzoeken" in response.content.decode()
    assert _signup(client, 5, ip="10.4.4.4").status_code == 200  # another address is not affected
    # One audit event per window, however long the attack goes on.
    _signup(client, 6)
    assert AuditEvent.objects.filter(action="security.rate_limited", details__scope="signup").count() == 1


def test_password_reset_is_limited_per_address_and_per_e_mail_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_email": "2/h", "password_reset": "100/h"}
    url = reverse("accounts:password_reset")
    for number in range(2):
        assert client.post(url, {"email": "piet@example.org"}, REMOTE_ADDR=f"10.5.5.{number}").status_code == 302
    assert client.post(url, {"email": " PIET@example.org"}, REMOTE_ADDR="10.5.6.1").status_code == 429


def test_invitations_are_limited_per_user(client, settings):
    from tests.factories import member_of

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitation": "1/h"}
    admin = member_of()
    organisation = admin.memberships.first().organisation
    client.force_login(admin)
    url = reverse("organisations:invite", args=[organisation.pk])
    assert client.post(url, {"email": "een@example.org", "role": "member"}).status_code == 302
    assert client.post(url, {"email": "twee@example.org", "role": "member"}).status_code == 429


def test_rate_limits_can_be_switched_off(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "1/h"}
    settings.RATE_LIMITS_ENABLED = False
    for number in range(3):
        assert _signup(client, number).status_code == 200


class _DownBreaker:
    """What core.cache's breaker does while Redis is unreachable: skip it, use the fallback."""

    is_open = True

    def call(self, operation, func, fallback):
        return fallback()


def test_counters_move_to_the_database_while_redis_is_down(monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "breaker", _DownBreaker(), raising=False)
    assert [throttle_hit("rl:test", period=60).count for _ in range(3)] == [1, 2, 3]
    assert ThrottleCounter.objects.get(key="rl:test").count == 3
    assert throttle_peek("rl:test", period=60).count == 3


def test_a_limit_holds_while_redis_is_down(client, settings, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "breaker", _DownBreaker(), raising=False)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/h"}
    assert _signup(client, 1).status_code == 200
    assert _signup(client, 2).status_code == 200
    assert _signup(client, 3).status_code == 429


@pytest.mark.redis
def test_counters_live_in_redis_when_it_answers(settings):
    """Against the real Redis (ResilientRedisCache): counted there, nothing in the database."""
    from django.core.cache import caches

    from core.cache import redis_breakers_reset

    settings.CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": settings.CELERY_BROKER_URL}}
    redis_breakers_reset()
    caches["default"].delete_many([])  # connect
    key = f"rl:redis-test:{id(settings)}"
    assert [throttle_hit(key, period=60).count for _ in range(2)] == [1, 2]
    assert not ThrottleCounter.objects.exists()
