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
    assert (
        AuditEvent.objects.filter(action="auth.login_failed", personal__details__username="piet@example.org").count()
        == 1
    )
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
    assert AuditEvent.objects.filter(action="auth.lockout", personal__details__username="piet@example.org").exists()


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


# --- the lockout holds for every spelling (issue 12) ---------------------------------------------

SPELLINGS = ["piet@example.org", "PIET@EXAMPLE.ORG", "piet@example.org ", " Piet@Example.Org"]


def test_each_spelling_of_a_locked_account_is_refused(client, settings):
    UserFactory(email="piet@example.org")
    for number in range(settings.AXES_FAILURE_LIMIT):
        # The failures themselves use different spellings: they share one budget.
        _login(client, SPELLINGS[number % len(SPELLINGS)], "wrong")
    for spelling in SPELLINGS:
        response = _login(client, spelling, PASSWORD)
        assert response.status_code == 429, spelling
    assert "_auth_user_id" not in client.session


def test_failures_are_audited_with_their_reason(client):
    UserFactory(email="piet@example.org")
    UserFactory(email="slaper@example.org", is_active=False)
    _login(client, "PIET@example.org", "wrong")
    _login(client, "niemand@example.org", "wrong")
    _login(client, "slaper@example.org", PASSWORD)
    reasons = {
        e.personal.details["username"]: e.details["reason"]
        for e in AuditEvent.objects.filter(action="auth.login_failed")
    }
    assert reasons == {
        "piet@example.org": "bad_password",
        "niemand@example.org": "unknown_account",
        "slaper@example.org": "inactive",
    }


# --- per account, across IP addresses: slowed down, not locked ------------------------------------


@pytest.fixture
def throttled(settings):
    settings.AXES_FAILURE_LIMIT = 100  # only the cross-IP throttle is under test here
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 3
    settings.LOGIN_THROTTLE_MAX_DELAY = 60


def test_guesses_from_many_addresses_are_slowed_down(client, throttled):
    import time_machine

    UserFactory(email="piet@example.org")
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        for number in range(4):
            assert _login(client, "piet@example.org", "wrong", ip=f"10.9.0.{number}").status_code == 200
        # Three failures are free; the fourth asks for a 1-second pause before the next attempt, from anywhere.
        response = _login(client, "PIET@example.org", PASSWORD, ip="10.9.1.1")
        assert response.status_code == 429 and response["Retry-After"] == "1"
        assert "Te veel verzoeken" in response.content.decode()
        clock.shift(1)
        # After the pause the real password works again: nobody was locked out.
        assert _login(client, "piet@example.org", PASSWORD, ip="10.9.1.1").status_code == 302
    assert AuditEvent.objects.filter(action="auth.login_failed", details__reason="account_throttled").count() == 1


def test_the_delay_doubles_and_is_capped(settings, throttled):
    from accounts.security import _delay_after

    assert [_delay_after(n) for n in (2, 3, 4, 5, 6)] == [0, 0, 1, 2, 4]
    assert _delay_after(100) == settings.LOGIN_THROTTLE_MAX_DELAY
    # At most: the free attempts, one guess per step of the doubling, then one a minute (defaults: 10 + 7 + 60).
    assert 10 + 7 + 3600 // 60 < 100  # ASVS 6.3.1: fewer than 100 guesses an hour


def test_a_browser_that_logged_in_before_is_not_slowed_down(client, throttled):
    import time_machine

    UserFactory(email="piet@example.org")
    with time_machine.travel(1_900_000_000, tick=False):
        assert _login(client, "piet@example.org", PASSWORD, ip="10.2.2.2").status_code == 302
        known_cookie = client.cookies["imvo_known_device"].value
        client.post(reverse("accounts:logout"))
        stranger = client.__class__()
        for number in range(6):
            _login(stranger, "piet@example.org", "wrong", ip=f"10.9.0.{number}")
        assert _login(stranger, "piet@example.org", PASSWORD, ip="10.9.9.9").status_code == 429
        # The real user's browser carries the signed cookie and gets straight in.
        client.cookies["imvo_known_device"] = known_cookie
        assert _login(client, "piet@example.org", PASSWORD, ip="10.2.2.2").status_code == 302


def test_a_forged_known_device_cookie_is_ignored(client, throttled):
    import time_machine

    UserFactory(email="piet@example.org")
    with time_machine.travel(1_900_000_000, tick=False):
        for number in range(6):
            _login(client, "piet@example.org", "wrong", ip=f"10.9.0.{number}")
        client.cookies["imvo_known_device"] = "not-signed"
        assert _login(client, "piet@example.org", PASSWORD, ip="10.9.9.9").status_code == 429


# --- where people land ---------------------------------------------------------------------------


def test_every_role_lands_on_its_own_start_page(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import MembershipFactory, MinistryUserFactory, StaffUserFactory

    newcomer = UserFactory(email="nieuw@example.org")
    assert _login(client, newcomer.email, PASSWORD)["Location"] == reverse("organisations:start")
    client.logout()
    member = MembershipFactory(user__email="bedrijf@example.org").user
    assert _login(client, member.email, PASSWORD)["Location"] == reverse("my:overview")
    client.logout()
    # A safe next wins; one pointing elsewhere is ignored.
    url = reverse("accounts:login") + "?next=/missions/"
    assert client.post(url, {"username": member.email, "password": PASSWORD})["Location"] == "/missions/"
    client.logout()
    url = reverse("accounts:login") + "?next=https://evil.example/"
    assert client.post(url, {"username": member.email, "password": PASSWORD})["Location"] == reverse("my:overview")
    for factory, start in ((StaffUserFactory, "/staff/"), (MinistryUserFactory, "/dashboard/")):
        client.logout()
        user = factory()
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        response = _login(client, user.email, PASSWORD)
        # First the second factor, then their own start page.
        assert response["Location"] == reverse("accounts:mfa_verify") + "?next=" + start.replace("/", "%2F")


def test_an_explicit_next_is_kept_through_the_second_factor(client):
    from tests.factories import StaffUserFactory

    user = StaffUserFactory()
    response = client.post(
        reverse("accounts:login") + "?next=/staff/missions/", {"username": user.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("accounts:mfa_setup") + "?next=%2Fstaff%2Fmissions%2F"
