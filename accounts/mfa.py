"""The second factor: TOTP (an authenticator app) with single-use recovery codes, on django-otp.

Who must use it: RVO staff, the ministry and superusers (``mfa_mandatory``); a company user may
turn it on from the account page, and then needs it at every login too. ``accounts.middleware.
MFARequiredMiddleware`` is the one place that enforces it: until the session is verified, such a
user reaches only the pages of this flow, logout, static files, language switch and health checks.

Devices (django-otp): one ``TOTPDevice`` (confirmed once the user typed a first code) and one
``StaticDevice`` holding the recovery codes; each code works once (django-otp deletes it while the
device row is locked). Wrong codes are throttled per device by django-otp (1, 2, 4 … seconds,
``OTP_TOTP_THROTTLE_FACTOR``), which holds across sessions and IP addresses.

Every enrolment, verification, failed code, recovery-code use, new set of codes, switch-off and
reset by an administrator is a security event (audit trail and JSON log); codes are never logged.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_event_record
from imvo_portal.exceptions import DomainError

from .constants import MINISTRY_GROUP, RVO_STAFF_GROUP
from .security_log import security_event

#: Set at login for a user who enrolled voluntarily, so the middleware need not ask the database.
MFA_ENROLLED_SESSION_KEY = "_mfa_enrolled"
#: Recovery codes just made, shown once on the next page and then dropped from the session.
NEW_CODES_SESSION_KEY = "_mfa_new_codes"

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


# --- who -------------------------------------------------------------------------------------


def mfa_mandatory(user) -> bool:
    """RVO staff, ministry and superusers must use a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or bool(user.group_names & {RVO_STAFF_GROUP, MINISTRY_GROUP})


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


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_pending(user) -> TOTPDevice:
    """The user's unconfirmed authenticator (made on first visit to the set-up page, kept until confirmed)."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


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


def format_recovery_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _recovery_codes_make(user) -> list[str]:
    device = recovery_device(user)
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [format_recovery_code(code) for code in codes]


def _session_verified(request, device) -> None:
    """Mark the session verified by ``device``; a new session key for the raised privilege (ASVS 7.2.4)."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _throttle_check(device, *, request, stage: str) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        security_event(
            "auth.mfa_throttled",
            request=request,
            user=request.user,
            outcome="failure",
            stage=stage,
            failures=(info or {}).get("failure_count"),
        )
        raise TooManyAttempts((info or {}).get("locked_until"))


def _failed(device, *, request, stage: str, method: str) -> None:
    device.refresh_from_db(fields=["throttling_failure_count"])
    security_event(
        "auth.mfa_failed",
        request=request,
        user=request.user,
        outcome="failure",
        stage=stage,
        method=method,
        failures=device.throttling_failure_count,
    )
    raise InvalidCode()


# --- services ----------------------------------------------------------------------------------


def mfa_enrol_confirm(*, request, code: str) -> list[str]:
    """Confirm the user's pending authenticator with a first code; answer new recovery codes.

    The session becomes verified; the codes are also kept in the session until shown once.
    Raises ``InvalidCode`` or ``TooManyAttempts``.
    """
    user = request.user
    code = normalise_code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            raise InvalidCode()
        _throttle_check(device, request=request, stage="enrol")
        ok = bool(_TOTP_PATTERN.match(code)) and device.verify_token(code)
    if not ok:
        _failed(device, request=request, stage="enrol", method="totp")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_make(user)
        security_event("auth.mfa_enrolled", request=request, user=user, method="totp")
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
    if device is None:
        security_event("auth.mfa_failed", request=request, user=user, outcome="failure", stage="verify", method=method)
        raise InvalidCode()
    _throttle_check(device, request=request, stage="verify")
    # django_otp.verify_token locks the device row: a recovery code cannot be used twice at once.
    verified = django_otp.verify_token(user, device.persistent_id, code) if code else None
    if verified is None:
        _failed(device, request=request, stage="verify", method=method)
    _session_verified(request, verified)
    if method == "recovery":
        remaining = verified.token_set.count()
        security_event("auth.mfa_recovery_code_used", request=request, user=user, method=method, remaining=remaining)
    else:
        security_event("auth.mfa_verified", request=request, user=user, method=method)
    return method


def recovery_codes_regenerate(*, request) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working); shown once."""
    with transaction.atomic():
        codes = _recovery_codes_make(request.user)
        security_event("auth.mfa_recovery_codes_regenerated", request=request, user=request.user)
    request.session[NEW_CODES_SESSION_KEY] = codes
    return codes


def recovery_codes_remaining(user) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device else 0


def mfa_disable(*, request) -> None:
    """Switch the second factor off for a company user (never for a role that requires it)."""
    user = request.user
    if mfa_mandatory(user):
        raise NotAllowed()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        security_event("auth.mfa_disabled", request=request, user=user)
    request.session.pop(MFA_ENROLLED_SESSION_KEY, None)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)


def mfa_reset(*, user, actor, request=None) -> None:
    """An administrator removes a user's second factor (lost phone): the user enrols again at the next login.

    Sessions already verified with the removed device lose their verification at once.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        security_event("auth.mfa_reset", request=request, user=actor, audit=False, username=user.email)
        audit_event_record(action="auth.mfa_reset", actor=actor, obj=user, request=request)


def mfa_login_started(request, user) -> None:
    """At password login: remember whether a voluntarily enrolled user must give a code."""
    if not mfa_mandatory(user) and has_confirmed_device(user):
        request.session[MFA_ENROLLED_SESSION_KEY] = True
