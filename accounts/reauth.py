"""Step-up for sensitive actions: a fresh proof of the password and the second factor.

New recovery codes, switching the second factor off, adding an authenticator or a passkey (and
later API client secrets) each ask for the password and a fresh code (or a passkey) within the
last ``REAUTH_MAX_AGE`` seconds (5 minutes). A session that merely stayed logged in, or that
someone took over, cannot do them. The proof is the session's ``_reauth_at``, set by:

- a login that needs no further code (``accounts.mfa.mfa_login_started``), a second-factor
  verification (``_session_verified``), or
- the step-up page (``reauth_confirm``): the password (when the account has one) and a code
  from the authenticator (when it has one). An account with neither (eHerkenning only) proves
  itself by logging in with eHerkenning again.

Adding the first authenticator asks for the password only (there is no code yet), also fresh.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError

from .mfa import (
    FACTOR_AT_SESSION_KEY,
    PASSWORD_AT_SESSION_KEY,
    REAUTH_SESSION_KEY,
    MFAError,
    has_passkey,
    has_totp,
    mfa_code_check,
)
from .security_log import security_event


class ReauthFailed(DomainError):
    message = _("This password is not correct.")


class PasskeyNeeded(MFAError):
    message = _("Confirm with your passkey (the button above) or give a code from your authenticator app.")


def _fresh(request, key: str) -> bool:
    at = request.session.get(key)
    return bool(at) and time.time() - float(at) <= settings.REAUTH_MAX_AGE


def reauth_is_fresh(request) -> bool:
    """Password and second factor (as far as the account has them) proven in the last few minutes."""
    return _fresh(request, REAUTH_SESSION_KEY)


def password_is_fresh(request) -> bool:
    """The password (or the whole login) proven in the last few minutes: enough to add a first factor."""
    return _fresh(request, PASSWORD_AT_SESSION_KEY) or reauth_is_fresh(request)


def reauth_needs(user) -> tuple[bool, bool, bool]:
    """(asks the password, asks an authenticator code, offers a passkey) for this account."""
    return user.has_usable_password(), has_totp(user), has_passkey(user)


def reauth_confirm(*, request, password: str, code: str) -> None:
    """Check the password and a fresh second factor (a code, or a passkey used on the page just
    before); mark the session. Raises ``ReauthFailed`` or an ``MFAError``."""
    user = request.user
    asks_password, asks_code, offers_passkey = reauth_needs(user)
    if asks_password and not user.check_password(password or ""):
        security_event("auth.reauth_failed", request=request, user=user, outcome="failure", reason="bad_password")
        raise ReauthFailed()
    passkey_fresh = offers_passkey and _fresh(request, FACTOR_AT_SESSION_KEY)
    if not (passkey_fresh and not code):
        if offers_passkey and not code:
            raise PasskeyNeeded()
        if asks_code or code:
            mfa_code_check(request=request, code=code)
    request.session.cycle_key()  # a new session key for each authentication, re-authentication too (ASVS 7.2.4)
    now = time.time()
    request.session[REAUTH_SESSION_KEY] = now
    request.session[PASSWORD_AT_SESSION_KEY] = now
    request.session.pop(FACTOR_AT_SESSION_KEY, None)
    security_event("auth.reauth", request=request, user=user)
