"""Demo second factors (see core/demo.py): local use only, never in production.

The demo RVO staff, ministry and admin accounts get an authenticator with the documented demo
secret below, so the demo keeps working with MFA switched on: add the secret to any authenticator
app, or print the current code with ``python manage.py demo_totp rvo@demo.example``. ``seed_demo``
itself refuses to run while DEBUG is off (unless ``--force``), so production never gets these.
"""

import base64

from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

#: Base32, as typed into an authenticator app. Public: for the demo accounts only.
DEMO_TOTP_SECRET = "IMVODEMOTOTPSECRETONLYFORDEMO234"
DEMO_TOTP_DEVICE_NAME = "demo"
DEMO_MFA_ACCOUNTS = ("rvo@demo.example", "ministerie@demo.example", "admin@demo.example")


def demo_totp_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def demo_totp_device(user) -> TOTPDevice | None:
    """The user's demo authenticator, if it still has the demo secret."""
    return TOTPDevice.objects.filter(user=user, name=DEMO_TOTP_DEVICE_NAME, key=demo_totp_key_hex()).first()


def seed_mfa(*, companies: int, password: str, log) -> None:
    key = demo_totp_key_hex()
    for email in DEMO_MFA_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            continue
        if demo_totp_device(user) is None:
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name=DEMO_TOTP_DEVICE_NAME, key=key, confirmed=True)
    log(
        "Second factor for the demo staff, ministry and admin accounts: authenticator secret "
        f"{DEMO_TOTP_SECRET} (or: python manage.py demo_totp rvo@demo.example)."
    )
