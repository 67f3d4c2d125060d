"""Security events for every login attempt, and the session stamps of a fresh login.

Receivers are extension points here: they report what happened (``accounts.security_log``) and
start the session's clock; the rules themselves live in ``accounts.security``, ``accounts.mfa``
and ``accounts.session_limits``.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .identity import normalise_email
from .mfa import mfa_login_started
from .models import User
from .security import login_throttle_failure
from .security_log import security_event
from .session_limits import session_lifetime_start


@receiver(user_logged_in)
def _log_login(sender, request, user, **kwargs):
    # An eHerkenning login (EH3 and up) is multi-factor already: a company user is not asked for
    # the portal's own code on top; staff, ministry and superusers still are (mfa_mandatory).
    method = getattr(request, "login_method", "password")
    if request is not None and hasattr(request, "session"):
        session_lifetime_start(request)
        mfa_login_started(request, user, method=method)
    security_event("auth.login", request=request, user=user, method=method, **getattr(request, "login_details", {}))


@receiver(user_logged_out)
def _log_logout(sender, request, user, **kwargs):
    if user is not None:
        security_event("auth.logout", request=request, user=user)


def _failure_reason(request, username: str) -> str:
    # Includes the failure that triggered the lockout (axes marks the request before we run).
    if request is not None and getattr(request, "axes_locked_out", False):
        return "locked_out"
    user = User.objects.filter(email=username).only("is_active").first() if username else None
    if user is None:
        return "unknown_account"
    if not user.is_active:
        return "inactive"
    return "bad_password"


@receiver(user_login_failed)
def _log_failed_login(sender, credentials, request=None, **kwargs):
    username = normalise_email(credentials.get("username") or credentials.get("email"))[:254]
    reason = _failure_reason(request, username)
    failures = login_throttle_failure(username)
    security_event(
        "auth.login_failed",
        request=request,
        outcome="failure",
        username=username,
        reason=reason,
        failures=failures,
    )


@receiver(user_locked_out)
def _log_lockout(sender, request, username, ip_address, **kwargs):
    security_event(
        "auth.lockout",
        request=request,
        outcome="failure",
        ip_address=ip_address,
        username=normalise_email(username)[:254],
        reason="too_many_failures",
    )
