"""Two-step verification in Chromium: a new RVO staff member enrols (QR code and key shown, first
code typed, recovery codes shown once) and reaches /staff/; later logins ask for a code, and a
session ends when its absolute lifetime is up. Codes are computed here from the key on the page."""

import base64
import re

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import TOTP

from accounts.constants import RVO_STAFF_GROUP
from accounts.models import User
from accounts.services import user_add_to_group
from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Nieuw-medewerker-2026"


def _new_staff_member() -> User:
    user = User.objects.create_user(email="nieuw.rvo@example.org", password=PASSWORD, full_name="Noor de Wit")
    user_add_to_group(user=user, group_name=RVO_STAFF_GROUP)
    return user


def _password_step(page, email: str = "nieuw.rvo@example.org") -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()


def _code(key: bytes, step_offset: int = 0) -> str:
    totp = TOTP(key)
    totp.time = totp.time + 30 * step_offset
    return f"{totp.token():06d}"


def test_staff_member_enrols_and_reaches_the_back_office(page, live_server):
    _new_staff_member()
    _password_step(page)
    # Straight after the password: set up the second factor, nothing else answers.
    assert page.url.startswith(live_server.url + reverse("accounts:mfa_setup"))
    page.goto("/staff/")
    assert reverse("accounts:mfa_setup") in page.url
    assert page.locator("main img[src^='data:image/svg+xml']").is_visible()  # QR rendered by the portal
    assert_accessible(page, label="mfa setup")
    screenshot(page, "mfa-setup")

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.locator("#id_code").fill(_code(key))
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()

    assert reverse("accounts:mfa_recovery_codes") in page.url
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{5}-[a-z2-7]{5}", c) for c in codes)
    assert_accessible(page, label="recovery codes")
    screenshot(page, "mfa-recovery-codes")
    page.get_by_role("link", name="Ik heb mijn herstelcodes bewaard").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/staff/"
    assert page.get_by_role("link", name="Mijn organisatie").count() == 0  # no company menu items

    # Next login: password, then a code from the app (the next time step: a code works once).
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()
    _password_step(page)
    assert reverse("accounts:mfa_verify") in page.url
    assert_accessible(page, label="mfa verify")
    page.locator("#id_code").fill(_code(key, step_offset=1))
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/staff/"


def test_a_lost_phone_is_replaced_by_a_recovery_code_that_works_once(page, live_server):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.mfa import recovery_codes_for

    user = _new_staff_member()
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    recovery_codes_for(user, ["m4ak7x2q"])
    _password_step(page)
    page.locator("#id_code").fill("M4AK-7X2Q")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/staff/"
    assert "herstelcode gebruikt" in page.locator(".messages").inner_text()

    page.context.clear_cookies()
    _password_step(page)
    page.locator("#id_code").fill("M4AK-7X2Q")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    assert reverse("accounts:mfa_verify") in page.url
    assert "klopt niet" in page.locator("main").inner_text()


def test_a_session_ends_at_its_absolute_limit_in_the_browser(page, live_server, settings):
    settings.SESSION_ABSOLUTE_LIFETIME = 60 * 60
    settings.SESSION_IDLE_TIMEOUT = 40 * 60
    User.objects.create_user(email="bedrijf@example.org", password=PASSWORD, full_name="Bo Bakker")
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        _password_step(page, "bedrijf@example.org")
        page.goto("/accounts/profile/")
        assert page.url.endswith("/accounts/profile/")
        clock.shift(30 * 60)
        page.goto("/accounts/profile/")
        assert page.url.endswith("/accounts/profile/")  # in use: still logged in
        clock.shift(30 * 60)  # one hour after login
        page.goto("/accounts/profile/")
        assert "/accounts/login/" in page.url
        assert "te lang was ingelogd" in page.locator(".messages").inner_text()
