"""Real session limits (ASVS 7.3).

The absolute lifetime counts from login and is never extended (the login stamps ``_auth_at`` and
fixes the session's server-side expiry to that deadline); the idle timeout counts from
``_last_seen``, which an authenticated request stores only when it has moved by
``SESSION_ACTIVITY_RESOLUTION`` seconds or more (default 60), so a busy user writes the session
about once a minute instead of on every request. The idle timeout therefore ends a session between
``SESSION_IDLE_TIMEOUT - SESSION_ACTIVITY_RESOLUTION`` and ``SESSION_IDLE_TIMEOUT`` seconds after
the last request, never later. Both end the session with a security event (``auth.session_expired``).
Anonymous requests never touch the session (no row, no cookie), so public pages stay cacheable.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils import timezone
from django.utils.translation import gettext as _

from .security_log import security_event

AUTH_AT_KEY = "_auth_at"
LAST_SEEN_KEY = "_last_seen"
#: The server-side session row outlives the deadline a little, so the middleware can still see
#: whose session ended and log it; the middleware itself ends the session at the exact second.
SERVER_SIDE_GRACE_SECONDS = 300


def session_lifetime_start(request) -> None:
    """Stamp a fresh login: the absolute deadline starts now and is fixed server-side too."""
    now = int(time.time())
    session = request.session
    session[AUTH_AT_KEY] = now
    session[LAST_SEEN_KEY] = now
    session.set_expiry(
        timezone.now() + timedelta(seconds=settings.SESSION_ABSOLUTE_LIFETIME + SERVER_SIDE_GRACE_SECONDS)
    )


def session_expiry_reason(session, now: int) -> str | None:
    """Why an authenticated session has ended at ``now`` (``absolute``, ``idle``), or None."""
    auth_at = session.get(AUTH_AT_KEY)
    if auth_at is None:
        return "unknown_start"  # a session from before these limits: start again
    if now - auth_at >= settings.SESSION_ABSOLUTE_LIFETIME:
        return "absolute"
    if now - session.get(LAST_SEEN_KEY, auth_at) >= settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    return None


class SessionLifetimeMiddleware:
    """End a session at its absolute deadline or after ``SESSION_IDLE_TIMEOUT`` seconds without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            reason = session_expiry_reason(session, now)
            if reason:
                security_event(
                    "auth.session_expired",
                    request=request,
                    user=request.user,
                    outcome="failure",
                    reason=reason,
                    age=round(now - session.get(AUTH_AT_KEY, now)),
                )
                logout(request)
                if reason == "absolute":
                    messages.info(request, _("Your session has ended because you were logged in for too long."))
                else:
                    messages.info(request, _("You were logged out after a period of inactivity."))
            elif now - session.get(LAST_SEEN_KEY, 0) >= settings.SESSION_ACTIVITY_RESOLUTION:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)
