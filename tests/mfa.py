"""Logging in users who need a second factor, in tests.

``login_staff(client, user)`` logs in like ``client.force_login`` and also verifies the session
with a (test) authenticator, as the MFA page would: RVO staff, ministry and superusers reach no
page without it (accounts/middleware.py). ``totp_code(device)`` computes the code an authenticator
app would show, for tests that drive the real verify page.
"""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device_for(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The device's code now (or at ``at``), skipping a time step the device has already accepted."""
    if device.pk is not None:  # an unsaved device is a pending enrolment (its secret from the page)
        device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    if totp.t() <= device.last_t:
        # The current code was accepted already (a code works once): the next step is within the
        # device's tolerance of one step, so an authenticator's "next" code is accepted.
        totp.time = (device.last_t + 1 - device.drift) * device.step + device.t0
    return f"{totp.token():0{device.digits}d}"


def recovery_codes_for(user, codes: list[str]):
    """A recovery-code device holding ``codes`` (kept hashed, as the portal keeps them)."""
    from accounts.models import RecoveryCode, RecoveryCodeDevice
    from accounts.recovery import recovery_code_digest

    device = RecoveryCodeDevice.objects.create(user=user, name="recovery", confirmed=True)
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, digest=recovery_code_digest(c)) for c in codes)
    return device


def login_staff(client, user) -> TOTPDevice:
    """``client.force_login(user)`` with the session verified by a second factor, as just after
    the verify page (so also fresh for a step-up, ``accounts.reauth``)."""
    from accounts.mfa import PASSWORD_AT_SESSION_KEY, REAUTH_SESSION_KEY

    client.force_login(user)
    device = totp_device_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[REAUTH_SESSION_KEY] = session[PASSWORD_AT_SESSION_KEY] = time.time()
    session.save()
    return device


def mfa_pause_over(client) -> None:
    """The pause that this session's wrong codes asked for has passed (as if the user waited)."""
    from accounts.mfa import FAILURES_SESSION_KEY

    session = client.session
    count = (session.get(FAILURES_SESSION_KEY) or (0,))[0]
    session[FAILURES_SESSION_KEY] = [count, 0.0]
    session.save()
