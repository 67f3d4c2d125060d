"""The second factor: TOTP (an authenticator app) with single-use recovery codes, on django-otp.

Who must use it: the privileged roles of ``accounts.roles`` (``mfa_mandatory``); a company user may
turn it on from the account page, and then needs it at every login too. ``accounts.middleware.
MFARequiredMiddleware`` is the one place that enforces it: until the session is verified, such a
user reaches only the pages of this flow, logout, static files, language switch and health checks.

Devices (django-otp): one ``TOTPDevice`` and one ``RecoveryCodeDevice`` (``accounts.models``)
holding the recovery codes as salted, keyed hashes (``accounts.recovery``); each code works once.

Enrolment belongs to the session that started it: the pending secret lives in that session only
(never in the database), is dropped at the next login, and the first session to confirm a code
gets the device; another session's code then never passes (it is told the account is enrolled).

Wrong codes slow down the session that sends them (1, 2, 4 … seconds, at most
``MFA_THROTTLE_MAX_DELAY``) and the address (the ``mfa`` rate limit per IP), never the account:
the real user's right code from their own browser is not refused because of someone else's
guesses. After ``MFA_NOTIFY_AFTER_FAILURES`` wrong codes for an account in an hour, its owner
gets an e-mail (once an hour).

Every enrolment, verification, failed code, recovery-code use, new set of codes, switch-off and
reset by an administrator is a security event (audit trail and JSON log); codes are never logged.
"""

from __future__ import annotations

import base64
import re
import time
from datetime import datetime, timedelta

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
from django_otp_webauthn.models import WebAuthnCredential

from audit.services import audit_event_record
from core.exceptions import DomainError
from notifications.services import email_queue

from .models import RecoveryCode, RecoveryCodeDevice, User
from .recovery import format_recovery_code, recovery_code_digest, recovery_code_new
from .roles import is_privileged, require_operator
from .security_log import security_event
from .throttle import hashed, throttle_hit

#: Set at login for a user who enrolled voluntarily, so the middleware need not ask the database.
MFA_ENROLLED_SESSION_KEY = "_mfa_enrolled"
#: Recovery codes just made, shown once on the next page and then dropped from the session.
NEW_CODES_SESSION_KEY = "_mfa_new_codes"
#: The secret of an enrolment this session started (hex); nowhere else until a code confirms it.
PENDING_KEY_SESSION_KEY = "_mfa_pending_key"
#: This session's wrong codes: [count, Unix time of the latest].
FAILURES_SESSION_KEY = "_mfa_failures"
#: Unix time this session last proved password and second factor (``accounts.reauth``).
REAUTH_SESSION_KEY = "_reauth_at"
#: Unix time this session last proved the password (or logged in with eHerkenning).
PASSWORD_AT_SESSION_KEY = "_password_at"
#: Unix time a passkey was last used in this already verified session (the factor of a step-up).
FACTOR_AT_SESSION_KEY = "_factor_at"

TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"
_TOTP_PATTERN = re.compile(r"^\d{6}$")


class MFAError(DomainError):
    pass


class InvalidCode(MFAError):
    message = _("This code is not correct. Check the time on your phone and try the newest code.")


class TooManyAttempts(MFAError):
    def __init__(self, locked_until: datetime | None):
        when = formats.time_format(timezone.localtime(locked_until), "H:i:s") if locked_until else ""
        super().__init__(
            _("Too many wrong codes. For your security, wait until %(time)s and try again.") % {"time": when}
        )
        self.locked_until = locked_until


class NotAllowed(MFAError):
    message = _("Two-step verification cannot be switched off for your role.")


class AlreadyEnrolled(MFAError):
    message = _(
        "Two-step verification was just set up for your account in another session. Give a code from the "
        "authenticator app used there. If that was not you, contact the helpdesk at once."
    )


# --- who -------------------------------------------------------------------------------------


def mfa_mandatory(user) -> bool:
    """Privileged users (``accounts.roles``: RVO staff, ministry, operators) must use a second factor."""
    return is_privileged(user)


def mfa_required(request) -> bool:
    """Whether this session must be verified with a second factor before it may do anything."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    return mfa_mandatory(user) or bool(request.session.get(MFA_ENROLLED_SESSION_KEY))


def session_is_verified(request) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


# --- devices ---------------------------------------------------------------------------------


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def recovery_device(user) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_confirmed_device(user) -> bool:
    """An authenticator app or a passkey (recovery codes alone are not a second factor)."""
    return has_totp(user) or has_passkey(user)


def has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_passkey(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def totp_device_pending(request) -> TOTPDevice:
    """The authenticator this session is enrolling: an unsaved device whose secret lives in this
    session only, made on its first visit to the set-up page (another session gets another one)."""
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = random_hex(20)
        request.session[PENDING_KEY_SESSION_KEY] = key
    return TOTPDevice(user=request.user, name=TOTP_DEVICE_NAME, key=key, confirmed=False)


def _totp_step(device: TOTPDevice, code: str) -> int | None:
    """The time step ``code`` belongs to within the device's tolerance, or None (nothing saved)."""
    if not _TOTP_PATTERN.match(code):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp.drift = device.drift + offset
        if totp.token() == int(code):
            return totp.t()
    return None


def totp_secret(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an authenticator app."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` URL as a QR code: an SVG rendered here, no external service."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def normalise_code(code: str) -> str:
    """Codes as typed: spaces and dashes removed, lower case (recovery codes are base32)."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def _recovery_codes_make(user) -> list[str]:
    device = recovery_device(user)
    if device is None:
        device = RecoveryCodeDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    device.codes.all().delete()
    codes = [recovery_code_new() for _ in range(settings.MFA_RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, digest=recovery_code_digest(c)) for c in codes)
    return [format_recovery_code(code) for code in codes]


def _other_sessions_end(request) -> None:
    """The second factor changed: every other session of the account ends (ASVS 7.4.3), this
    one goes on under a new key."""

    user = request.user
    _sessions_end(user)
    user.refresh_from_db(fields=["session_epoch"])
    update_session_auth_hash(request, user)


def _sessions_end(user) -> None:
    """End every session of ``user``: the raised ``session_epoch`` changes its session auth hash."""
    User.objects.filter(pk=user.pk).update(session_epoch=models.F("session_epoch") + 1)


def _session_verified(request, device) -> None:
    """Mark the session verified by ``device``; a new session key for the raised privilege (ASVS 7.2.4)."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session.pop(FAILURES_SESSION_KEY, None)
    request.session[REAUTH_SESSION_KEY] = time.time()


def _session_wait(request) -> float:
    """Seconds this session must wait before its next code (its own wrong codes, capped)."""
    count, last = request.session.get(FAILURES_SESSION_KEY) or (0, 0.0)
    if not count:
        return 0.0
    delay = min(2 ** (count - 1) * settings.MFA_THROTTLE_FACTOR, settings.MFA_THROTTLE_MAX_DELAY)
    return max(0.0, last + delay - time.time())


def _throttle_check(*, request, stage: str) -> None:
    wait = _session_wait(request)
    if wait > 0:
        security_event(
            "auth.mfa_throttled",
            request=request,
            user=request.user,
            outcome="failure",
            stage=stage,
            failures=(request.session.get(FAILURES_SESSION_KEY) or (0,))[0],
        )
        raise TooManyAttempts(timezone.now() + timedelta(seconds=wait))


def _failed(*, request, stage: str, method: str) -> None:
    """Count a wrong code against this session (and tell the owner when the account gets many)."""
    count = (request.session.get(FAILURES_SESSION_KEY) or (0,))[0] + 1
    request.session[FAILURES_SESSION_KEY] = [count, time.time()]
    user = request.user
    security_event(
        "auth.mfa_failed", request=request, user=user, outcome="failure", stage=stage, method=method, failures=count
    )
    window = 60 * 60
    account_failures = throttle_hit("mfa-account:" + hashed(str(user.pk)), period=window).count
    if account_failures == settings.MFA_NOTIFY_AFTER_FAILURES:
        _failures_notify(user, request=request, window=window)
    raise InvalidCode()


def _failures_notify(user, *, request, window: int) -> None:
    with transaction.atomic():
        email_queue(
            to=user.email,
            template="accounts/email/mfa_failures",
            context={"user": user, "count": settings.MFA_NOTIFY_AFTER_FAILURES},
            language=user.language,
            kind="mfa_failures",
            dedupe_key=f"mfa-failures:{user.pk}:{int(time.time()) // window}",
        )
        security_event("auth.mfa_failures_notified", request=request, user=user, outcome="failure")


# --- services ----------------------------------------------------------------------------------


def mfa_enrol_confirm(*, request, code: str) -> list[str]:
    """Confirm the authenticator this session is enrolling with a first code; answer new recovery codes.

    Only the session that was shown the secret can confirm it, and only while the account has no
    authenticator yet (the first session to confirm wins; ``AlreadyEnrolled`` for the others).
    The session becomes verified; the codes are also kept in the session until shown once.
    Raises ``InvalidCode``, ``TooManyAttempts`` or ``AlreadyEnrolled``.
    """
    user = request.user
    code = normalise_code(code)
    _throttle_check(request=request, stage="enrol")
    if not request.session.get(PENDING_KEY_SESSION_KEY):
        _failed(request=request, stage="enrol", method="totp")
    device = totp_device_pending(request)
    step = _totp_step(device, code)
    if step is None:
        _failed(request=request, stage="enrol", method="totp")
    with transaction.atomic():
        User.objects.select_for_update().only("pk").get(pk=user.pk)  # one enrolment of an account at a time
        if has_confirmed_device(user):
            request.session.pop(PENDING_KEY_SESSION_KEY, None)
            security_event("auth.mfa_enrol_refused", request=request, user=user, outcome="failure")
            raise AlreadyEnrolled()
        TOTPDevice.objects.filter(user=user).delete()  # unconfirmed leftovers of the old scheme
        device.confirmed = True
        device.last_t = step  # the code that confirmed it cannot be used again to log in
        device.save()
        codes = _recovery_codes_make(user)
        security_event("auth.mfa_enrolled", request=request, user=user, method="totp")
    request.session.pop(PENDING_KEY_SESSION_KEY, None)
    _other_sessions_end(request)  # e.g. a session that passed only the password elsewhere
    _session_verified(request, device)
    request.session[MFA_ENROLLED_SESSION_KEY] = True
    request.session[NEW_CODES_SESSION_KEY] = codes
    return codes


def mfa_verify(*, request, code: str) -> str:
    """Verify the session with an authenticator code or a recovery code; answer ``totp`` or ``recovery``.

    A recovery code works once. Raises ``InvalidCode`` or ``TooManyAttempts``.
    """
    user = request.user
    code = normalise_code(code)
    is_totp = bool(_TOTP_PATTERN.match(code))
    device = totp_device(user) if is_totp else recovery_device(user)
    method = "totp" if is_totp else "recovery"
    _throttle_check(request=request, stage="verify")
    # django_otp.verify_token locks the device row: a recovery code cannot be used twice at once.
    verified = django_otp.verify_token(user, device.persistent_id, code) if code and device else None
    if verified is None:
        _failed(request=request, stage="verify", method=method)
    _session_verified(request, verified)
    if method == "recovery":
        remaining = verified.codes.count()
        security_event("auth.mfa_recovery_code_used", request=request, user=user, method=method, remaining=remaining)
    else:
        security_event("auth.mfa_verified", request=request, user=user, method=method)
    return method


def mfa_code_check(*, request, code: str) -> None:
    """A fresh code from the user's authenticator for a step-up (``accounts.reauth``), with the same
    per-session throttle as login; the session's verification is unchanged. Raises like ``mfa_verify``."""
    device = totp_device(request.user)
    _throttle_check(request=request, stage="reauth")
    code = normalise_code(code)
    if device is None or not _TOTP_PATTERN.match(code):
        _failed(request=request, stage="reauth", method="totp")
    if django_otp.verify_token(request.user, device.persistent_id, code) is None:
        _failed(request=request, stage="reauth", method="totp")
    request.session.pop(FAILURES_SESSION_KEY, None)


def passkey_enrolled(request, device, *, first: bool, was_verified: bool) -> None:
    """After django-otp-webauthn saved a passkey: audit it; as the account's first factor, make
    recovery codes and verify the session, as enrolling an authenticator app does."""
    user = request.user
    with transaction.atomic():
        security_event("auth.passkey_added", request=request, user=user, method="passkey")
        if first:
            codes = _recovery_codes_make(user)
            security_event("auth.mfa_enrolled", request=request, user=user, method="passkey")
    _other_sessions_end(request)
    if first:
        request.session[MFA_ENROLLED_SESSION_KEY] = True
        request.session[NEW_CODES_SESSION_KEY] = codes
    if not was_verified:
        _session_verified(request, device)


def passkey_used(request, device) -> None:
    """A passkey verified this session (after the password), or, in a verified session, is the
    fresh second factor of a step-up (``accounts.reauth``)."""
    if session_is_verified(request):
        request.session[FACTOR_AT_SESSION_KEY] = time.time()
        security_event("auth.reauth_factor", request=request, user=request.user, method="passkey")
        return
    _session_verified(request, device)
    security_event("auth.mfa_verified", request=request, user=request.user, method="passkey")


def recovery_codes_regenerate(*, request) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working); shown once."""
    with transaction.atomic():
        codes = _recovery_codes_make(request.user)
        security_event("auth.mfa_recovery_codes_regenerated", request=request, user=request.user)
    _other_sessions_end(request)
    request.session[NEW_CODES_SESSION_KEY] = codes
    return codes


def recovery_codes_remaining(user) -> int:
    device = recovery_device(user)
    return device.codes.count() if device else 0


def mfa_disable(*, request) -> None:
    """Switch the second factor off for a company user (never for a role that requires it)."""
    user = request.user
    if mfa_mandatory(user):
        raise NotAllowed()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        security_event("auth.mfa_disabled", request=request, user=user)
    _other_sessions_end(request)
    request.session.pop(MFA_ENROLLED_SESSION_KEY, None)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)


def mfa_reset(*, user, actor, request=None) -> None:
    """An administrator removes a user's second factor (lost phone): the user enrols again at the next login.

    Every session of the account ends at once (``session_epoch``), so a session that passed only
    the password cannot enrol an authenticator of its own meanwhile; the user is told by e-mail.
    Only an operator may do this (``require_operator``: raises ``PermissionDenied``).
    """
    require_operator(actor)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        _sessions_end(user)
        email_queue(
            to=user.email,
            template="accounts/email/mfa_reset",
            context={"user": user},
            language=user.language,
            kind="mfa_reset",
        )
        security_event("auth.mfa_reset", request=request, user=actor, audit=False, username=user.email)
        audit_event_record(action="auth.mfa_reset", actor=actor, obj=user, request=request)


def mfa_login_started(request, user, *, method: str = "password") -> None:
    """At login: drop an enrolment a previous login started; after a password, remember whether a
    voluntarily enrolled user must give a code (an eHerkenning login is multi-factor already); a
    login that needs no code of the portal counts as fresh for a step-up (``accounts.reauth``)."""
    request.session.pop(PENDING_KEY_SESSION_KEY, None)
    if method == "password" and not mfa_mandatory(user) and has_confirmed_device(user):
        request.session[MFA_ENROLLED_SESSION_KEY] = True
    request.session[PASSWORD_AT_SESSION_KEY] = time.time()
    if not (mfa_mandatory(user) or request.session.get(MFA_ENROLLED_SESSION_KEY)):
        request.session[REAUTH_SESSION_KEY] = time.time()
