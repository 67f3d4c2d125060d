"""Someone who already has the password: enrolment, lock-out, step-up and stored codes (issue 26).

Over real HTTP against the live server on PostgreSQL (``Browser`` from ``test_http.py``), each
finding reproduced and shown closed; the rules are in ``accounts/mfa.py`` and ``accounts/reauth.py``.
"""

import base64
import re

import pytest
import time_machine
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.mfa import mfa_reset
from accounts.tests.test_http import Browser
from audit.models import AuditEvent
from notifications.models import OutboxMessage
from tests.factories import StaffUserFactory, UserFactory
from tests.mfa import recovery_codes_for, totp_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SETUP = "/accounts/mfa/setup/"
VERIFY = "/accounts/mfa/verify/"
PASSWORD = "correct-horse-battery"
HOUR_START = 1_900_000_800  # a whole hour in Unix time: the hourly counters start fresh here


@pytest.fixture
def server(live_server, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test plays the proxy and chooses the client address
    return live_server


def _secret(body: str) -> bytes:
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', body).group(1).replace(" ", "")
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def _code(key: bytes) -> str:
    return f"{TOTP(key).token():06d}"


def _enrolling(server_url: str, email: str, ip: str) -> tuple[Browser, bytes]:
    browser = Browser(server_url, ip=ip)
    status, location, _body = browser.login(email)
    assert status == 302 and location.startswith(SETUP)
    return browser, _secret(browser.get(SETUP)[2])


def test_two_sessions_enrolling_one_account_get_different_secrets_and_only_the_first_confirm_counts(server):
    staff = StaffUserFactory()
    attacker, attacker_key = _enrolling(server.url, staff.email, "203.0.113.9")
    user, user_key = _enrolling(server.url, staff.email, "198.51.100.20")
    assert attacker_key != user_key  # the finding: both used to see the same pending secret
    assert _secret(attacker.get(SETUP)[2]) == attacker_key  # stable within its own session
    assert not TOTPDevice.objects.filter(user=staff).exists()  # nothing in the database yet

    status, location, _body = user.post(SETUP + "?next=/staff/", {"code": _code(user_key)})
    assert status == 302 and location.startswith("/accounts/mfa/recovery-codes/")
    (device,) = TOTPDevice.objects.filter(user=staff)
    assert device.confirmed and device.bin_key == user_key

    # The attacker's session ended with the enrolment (ASVS 7.4.3), and its enrolment is dead:
    # logged in again, its code is refused at enrolment and at verification.
    status, location, _body = attacker.post(SETUP, {"code": _code(attacker_key)})
    assert status == 302 and location.startswith("/accounts/login/")
    attacker.login(staff.email)
    status, location, _body = attacker.post(SETUP, {"code": _code(attacker_key)})
    assert status == 302 and location.startswith(VERIFY)
    assert attacker.post(VERIFY, {"code": _code(attacker_key)})[0] == 200
    assert attacker.get("/staff/")[0] == 302
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_the_pending_secret_is_dropped_at_the_next_login(server):
    staff = StaffUserFactory()
    browser, first = _enrolling(server.url, staff.email, "198.51.100.21")
    browser.post("/accounts/logout/", {})
    browser.login(staff.email)
    assert _secret(browser.get(SETUP)[2]) != first
    status, _location, body = browser.post(SETUP, {"code": _code(first)})
    assert status == 200 and "klopt niet" in body


def test_an_administrators_reset_ends_every_session_and_tells_the_user(server):
    staff = StaffUserFactory()
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    browser = Browser(server.url, ip="198.51.100.22")
    browser.login(staff.email)
    assert browser.post(VERIFY + "?next=/staff/", {"code": totp_code(device)})[0] == 302
    assert browser.get("/staff/")[0] == 200
    mfa_reset(user=staff, actor=StaffUserFactory(is_superuser=True))
    status, location, _body = browser.get("/staff/")
    assert status == 302 and location.startswith("/accounts/login/")
    assert OutboxMessage.objects.filter(kind="mfa_reset", to=[staff.email]).count() == 1


def test_wrong_codes_of_someone_with_the_password_never_refuse_the_users_right_code(server, settings):
    """The finding: an attacker's wrong codes used up the account's limit; the user's right code got 429."""
    staff = StaffUserFactory()
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    with time_machine.travel(HOUR_START, tick=True) as clock:
        attacker = Browser(server.url, ip="203.0.113.10")
        attacker.login(staff.email)
        answers = [attacker.post(VERIFY, {"code": "000000"})[2] for _ in range(3)]
        assert "Te veel" in answers[-1]  # the guesser's own session is slowed down at once
        for _ in range(10):
            clock.shift(settings.MFA_THROTTLE_MAX_DELAY + 1)  # it waits out each pause and guesses on
            attacker.post(VERIFY, {"code": "000000"})
        user = Browser(server.url, ip="198.51.100.23")
        user.login(staff.email)
        status, location, _body = user.post(VERIFY + "?next=/staff/", {"code": totp_code(device)})
    assert status == 302 and location == "/staff/"
    # The owner is told once an hour, not once per guess.
    assert OutboxMessage.objects.filter(kind="mfa_failures", to=[staff.email]).count() == 1


def test_the_pause_after_wrong_codes_has_a_cap(server, settings):
    staff = StaffUserFactory()
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "mfa": "1000/m"}
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        browser = Browser(server.url, ip="203.0.113.11")
        browser.login(staff.email)
        for _ in range(20):  # twenty wrong codes used to mean about six days
            browser.post(VERIFY, {"code": "000000"})
            clock.shift(settings.MFA_THROTTLE_MAX_DELAY)
        status, _location, body = browser.post(VERIFY, {"code": "000000"})
    assert "Te veel" not in body and "klopt niet" in body  # the cap has passed: a guess is heard again


def test_sensitive_actions_ask_for_the_password_and_a_fresh_code(server, settings):
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    recovery_codes_for(user, ["abcde23456"])
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        browser = Browser(server.url, ip="198.51.100.24")
        browser.login(user.email)
        assert browser.post(VERIFY + "?next=/my/", {"code": totp_code(device)})[0] == 302
        clock.shift(settings.REAUTH_MAX_AGE + 1)  # a session that merely stayed logged in
        for action in ("regenerate", "disable"):
            status, location, _body = browser.post("/accounts/mfa/", {action: "1"})
            assert status == 302 and location.startswith("/accounts/reauth/"), action
        assert TOTPDevice.objects.filter(user=user).exists()
        status, _location, body = browser.post("/accounts/reauth/", {"password": "wrong", "code": totp_code(device)})
        assert status == 200 and "niet juist" in body
        status, _location, body = browser.post("/accounts/reauth/", {"password": "correct-horse-battery"})
        assert status == 200  # the code is asked too
        clock.shift(31)
        status, location, _body = browser.post(
            "/accounts/reauth/?next=/accounts/mfa/",
            {"password": "correct-horse-battery", "code": totp_code(device)},
        )
        assert status == 302 and location == "/accounts/mfa/"
        assert browser.post("/accounts/mfa/", {"disable": "1"})[0] == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="auth.reauth", actor=user).exists()


def test_adding_a_first_authenticator_to_an_old_session_asks_for_the_password(server, settings):
    user = UserFactory()
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        browser = Browser(server.url, ip="198.51.100.25")
        browser.login(user.email)
        assert browser.get(SETUP)[0] == 200  # just logged in: fresh
        clock.shift(settings.REAUTH_MAX_AGE + 1)
        status, location, _body = browser.get(SETUP)
        assert status == 302 and location.startswith("/accounts/reauth/")
        assert browser.post("/accounts/reauth/", {"password": "correct-horse-battery"})[0] == 302
        assert browser.get(SETUP)[0] == 200


def test_recovery_codes_are_stored_only_as_hashes(server):
    staff = StaffUserFactory()
    _browser, key = _enrolling(server.url, staff.email, "198.51.100.26")
    status, location, _body = _browser.post(SETUP + "?next=/staff/", {"code": _code(key)})
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", _browser.get(location)[2])
    assert len(codes) == 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest FROM accounts_recoverycode")
        stored = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM otp_static_statictoken")
        assert cursor.fetchone()[0] == 0
    for code in codes:
        assert code.replace("-", "") not in stored and code not in stored
    # A code still works once.
    other = Browser(server.url, ip="198.51.100.27")
    other.login(staff.email)
    assert other.post(VERIFY + "?next=/staff/", {"code": codes[0].upper()})[1] == "/staff/"


def test_admin_login_from_many_addresses_meets_the_portals_limits(server, settings):
    """The finding: 14 wrong passwords from 14 addresses, then the right one, landed on /admin/."""
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 3
    root = StaffUserFactory(email="beheer@example.org", is_superuser=True)
    TOTPDevice.objects.create(user=root, name="app", confirmed=True)
    for number in range(14):
        guesser = Browser(server.url, ip=f"203.0.113.{100 + number}")
        status, location, _body = guesser.post(
            "/admin/login/", {"username": root.email, "password": "wrong"}, form_path="/accounts/login/"
        )
        assert status == 302 and location.startswith("/accounts/login/")  # Django's own view is gone
        guesser.login(root.email, "wrong")
    attacker = Browser(server.url, ip="203.0.113.200")
    status, _location, _body = attacker.post(
        "/admin/login/", {"username": root.email, "password": PASSWORD}, form_path="/accounts/login/"
    )
    assert status == 302 and not attacker.logged_in()
    assert attacker.get("/admin/")[1].startswith("/admin/login/")  # and /admin/login/ leads to the portal login
    assert attacker.login(root.email)[0] == 429  # the per-account throttle holds across addresses
    one_address = Browser(server.url, ip="203.0.113.201")
    limit = int(settings.RATE_LIMITS["login"].split("/")[0])
    statuses = [one_address.login(f"user{n}@example.org", "x")[0] for n in range(limit + 4)]
    assert statuses[-1] == 429  # many usernames from one address
