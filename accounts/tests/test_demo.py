"""Demo second factors: the documented secret, and demo_totp to print a code (local use only)."""

import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_TOTP_SECRET, seed_mfa
from organisations.demo import seed as seed_users
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _seed():
    seed_users(companies=1, password="imvo-demo", log=lambda _line: None)
    lines = []
    seed_mfa(companies=1, password="imvo-demo", log=lines.append)
    return lines


def test_demo_staff_ministry_and_admin_get_the_documented_secret_idempotently():
    lines = _seed()
    assert DEMO_TOTP_SECRET in lines[0]
    _seed()
    devices = TOTPDevice.objects.filter(confirmed=True).select_related("user")
    assert sorted(d.user.email for d in devices) == [
        "admin@demo.example",
        "ministerie@demo.example",
        "rvo@demo.example",
    ]
    expected = TOTP(base64.b32decode(DEMO_TOTP_SECRET)).token()
    assert {TOTP(d.bin_key).token() for d in devices} == {expected}


def test_demo_totp_prints_a_code_that_logs_in(client, settings):
    settings.DEBUG = True
    _seed()
    out = io.StringIO()
    call_command("demo_totp", "RVO@demo.example", stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    client.post(reverse("accounts:login"), {"username": "rvo@demo.example", "password": "imvo-demo"})
    assert client.post(reverse("accounts:mfa_verify"), {"code": code})["Location"] == "/staff/"


def test_demo_totp_is_refused_without_debug_and_for_real_authenticators(settings):
    _seed()
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp", "rvo@demo.example")
    settings.DEBUG = True
    user = UserFactory(email="echt@example.org")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    with pytest.raises(CommandError, match="no demo authenticator"):
        call_command("demo_totp", "echt@example.org")
