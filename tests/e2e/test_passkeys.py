"""Passkeys in Chromium with its virtual authenticator (CDP ``WebAuthn.addVirtualAuthenticator``):
a new RVO staff member enrols a passkey as the second factor straight after the password, gets the
recovery codes, reaches /staff/, and the next login is verified with the passkey alone."""

import re

import pytest
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from accounts.constants import RVO_STAFF_GROUP
from accounts.models import User
from accounts.services import user_add_to_group
from audit.models import AuditEvent
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Nieuw-medewerker-2026"


@pytest.fixture
def passkeys(page, live_server, settings):
    """The portal's relying party is the test server's own origin; Chromium gets a platform
    authenticator that confirms the user (fingerprint) by itself."""
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    return cdp, authenticator


def _password_step(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()


def test_staff_enrol_a_passkey_and_log_in_with_it(page, live_server, passkeys):
    cdp, authenticator = passkeys
    user = User.objects.create_user(email="sleutel.rvo@example.org", password=PASSWORD, full_name="Sam Sleutel")
    user_add_to_group(user=user, group_name=RVO_STAFF_GROUP)

    _password_step(page, user.email)
    assert page.url.startswith(live_server.url + reverse("accounts:mfa_setup"))
    assert_accessible(page, label="mfa setup with passkey")
    page.locator("#passkey-register-button").click()
    page.wait_for_url(re.compile(r".*/accounts/mfa/recovery-codes/.*"))
    codes = page.locator("main code").all_inner_texts()
    assert len(codes) == 10
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1
    assert WebAuthnCredential.objects.filter(user=user, confirmed=True).count() == 1
    page.goto("/staff/")
    assert page.url == live_server.url + "/staff/"

    # The next login: password, then the passkey (no code typed).
    page.context.clear_cookies()
    _password_step(page, user.email)
    assert reverse("accounts:mfa_verify") in page.url
    page.locator("#passkey-verification-button").click()
    page.wait_for_url(live_server.url + "/staff/")
    assert AuditEvent.objects.filter(actor=user, action="auth.mfa_verified", details__method="passkey").exists()
    assert AuditEvent.objects.filter(actor=user, action="auth.passkey_added").exists()
    # The sign counter went up: the second use was checked against the stored credential.
    assert WebAuthnCredential.objects.get(user=user).sign_count >= 1


def test_a_passkey_of_another_site_or_account_does_not_verify(page, live_server, passkeys, settings):
    """A credential made for another relying party is never offered or accepted here."""
    cdp, authenticator = passkeys
    user = User.objects.create_user(email="ander.rvo@example.org", password=PASSWORD, full_name="Ada Ander")
    user_add_to_group(user=user, group_name=RVO_STAFF_GROUP)
    _password_step(page, user.email)
    page.locator("#passkey-register-button").click()
    page.wait_for_url(re.compile(r".*/accounts/mfa/recovery-codes/.*"))
    # The portal moves to another address: the passkey made for "localhost" does not belong to it.
    settings.OTP_WEBAUTHN_RP_ID = "portal.example"
    page.context.clear_cookies()
    _password_step(page, user.email)
    page.locator("#passkey-verification-button").click()
    page.wait_for_timeout(1500)
    assert reverse("accounts:mfa_verify") in page.url
    page.goto("/staff/")
    assert reverse("accounts:mfa_verify") in page.url
