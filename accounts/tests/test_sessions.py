"""Session limits that are real (ASVS 7.3), tested with a frozen clock."""

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = 1_900_000_000  # a fixed moment; the clock only moves when a test shifts it


@pytest.fixture
def limits(settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_ABSOLUTE_LIFETIME = 10 * 60 * 60


def _profile(client):
    return client.get(reverse("accounts:profile"))


def _logged_in(client) -> bool:
    return _profile(client).status_code == 200


def test_idle_timeout_is_exact_to_the_second(client, limits, settings):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(UserFactory())
        assert _logged_in(client)
        clock.shift(settings.SESSION_IDLE_TIMEOUT - 1)
        assert _logged_in(client)  # one second before the limit: still in, and the idle timer restarts
        clock.shift(settings.SESSION_IDLE_TIMEOUT - 1)
        assert _logged_in(client)
        clock.shift(settings.SESSION_IDLE_TIMEOUT)  # exactly the idle timeout since the last request
        response = _profile(client)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.details["reason"] == "idle"


def test_many_requests_within_one_second_write_the_session_once(client, limits, django_assert_max_num_queries):
    with time_machine.travel(START, tick=False):
        client.force_login(UserFactory())
        _profile(client)
        with django_assert_max_num_queries(5):  # session, user, profile page; no session write
            _profile(client)


def test_a_session_in_constant_use_ends_at_the_absolute_limit(client, limits, settings):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(UserFactory())
        used_for = 0
        step = settings.SESSION_IDLE_TIMEOUT - 60  # a request every 29 minutes: never idle
        while used_for + step < settings.SESSION_ABSOLUTE_LIFETIME:
            clock.shift(step)
            used_for += step
            assert _logged_in(client), used_for
        clock.shift(settings.SESSION_ABSOLUTE_LIFETIME - used_for)  # exactly the lifetime since login
        response = _profile(client)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.details["reason"] == "absolute" and event.details["age"] == settings.SESSION_ABSOLUTE_LIFETIME


def test_the_server_side_expiry_and_the_cookie_are_fixed_at_login(client, limits, settings):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(UserFactory())
        expiry = Session.objects.get().expire_date
        clock.shift(600)
        assert _logged_in(client)
        # The request wrote the session (a new second) but did not push the deadline forward.
        assert Session.objects.get().expire_date == expiry
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        assert int(cookie["max-age"]) <= settings.SESSION_ABSOLUTE_LIFETIME + 300 - 600


def test_a_session_without_a_login_stamp_is_ended(client, limits):
    client.force_login(UserFactory())
    session = client.session
    del session["_auth_at"]
    session.save()
    assert not _logged_in(client)


def test_logging_in_again_restarts_the_lifetime(client, limits, settings):
    settings.SESSION_IDLE_TIMEOUT = settings.SESSION_ABSOLUTE_LIFETIME  # only the lifetime is under test
    user = UserFactory()
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(user)
        clock.shift(settings.SESSION_ABSOLUTE_LIFETIME - 10)
        assert _logged_in(client)
        client.force_login(user)
        clock.shift(20)
        assert _logged_in(client)


def test_an_ended_session_cannot_be_used_again(client, limits, settings):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(UserFactory())
        old_key = client.session.session_key
        clock.shift(settings.SESSION_IDLE_TIMEOUT)
        assert not _logged_in(client)
        # The server forgot the session: replaying the old cookie gets nobody in.
        assert not Session.objects.filter(session_key=old_key).exists()
        client.cookies[settings.SESSION_COOKIE_NAME] = old_key
        assert not _logged_in(client)


def test_deactivating_an_account_ends_its_sessions(client):
    user = UserFactory()
    client.force_login(user)
    assert _logged_in(client)
    user.is_active = False
    user.save()
    assert not _logged_in(client)


def test_a_password_change_ends_the_other_sessions_but_keeps_this_one(client):
    user = UserFactory()
    other = client.__class__()
    other.force_login(user)
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "Een-nieuw-wachtwoord-2026",
            "new_password2": "Een-nieuw-wachtwoord-2026",
        },
    )
    assert response.status_code == 302
    assert _logged_in(client) and not _logged_in(other)
    assert AuditEvent.objects.filter(action="auth.password_change", actor=user).exists()
