"""Guessing protection around the password login.

Two layers, both keyed on the normalised identity (``accounts.identity``):

1. django-axes locks an (account, IP address) pair after ``AXES_FAILURE_LIMIT`` failures, with a
   cool-off that doubles for each lockout of the account in 24 hours (``escalating_cool_off``).
   Nobody can lock a user out from another address.
2. Across all addresses, an account that collected ``LOGIN_THROTTLE_FREE_ATTEMPTS`` failures in
   the current hour is slowed down: after each further failure the next attempt must wait 1, 2,
   4 … seconds, at most ``LOGIN_THROTTLE_MAX_DELAY``. That caps a distributed guesser at well
   under 100 guesses an hour (ASVS 6.3.1) without a hard lock. A browser in which the account
   logged in successfully before carries a signed "known device" cookie and is not slowed down,
   so a stranger guessing from elsewhere cannot keep the real user out.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from audit.models import AuditEvent

from .identity import axes_username, normalise_email
from .throttle import hashed, throttle_hit, throttle_peek, throttle_reset

BASE_COOL_OFF = timedelta(minutes=15)
MAX_COOL_OFF = timedelta(hours=24)

THROTTLE_PERIOD = 60 * 60
DEVICE_COOKIE_SALT = "accounts.known-device"


def escalating_cool_off(request=None) -> timedelta:
    """15 minutes for a first lockout, doubling for each lockout of the account in 24 hours."""
    username = axes_username(request) if request is not None else ""
    if not username:
        return BASE_COOL_OFF
    recent = AuditEvent.objects.filter(
        action="auth.lockout",
        personal__details__username=username,
        created_at__gte=timezone.now() - timedelta(hours=24),
    ).count()
    return min(BASE_COOL_OFF * (2 ** max(recent - 1, 0)), MAX_COOL_OFF)


def _throttle_key(username: str) -> str:
    return "login-account:" + hashed(normalise_email(username))


def _delay_after(failures: int) -> float:
    extra = failures - settings.LOGIN_THROTTLE_FREE_ATTEMPTS
    if extra <= 0:
        return 0.0
    return float(min(2 ** (extra - 1), settings.LOGIN_THROTTLE_MAX_DELAY))


def is_known_device(request, username: str) -> bool:
    """Whether this browser logged in to ``username`` successfully before (signed cookie)."""
    value = request.COOKIES.get(settings.LOGIN_DEVICE_COOKIE_NAME)
    if not value or not username:
        return False
    try:
        data = signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=settings.LOGIN_DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return False
    return isinstance(data, list) and hashed(normalise_email(username)) in data


def known_device_cookie_set(request, response, username: str) -> None:
    """Remember on the response that this browser logged in to ``username`` (up to 5 accounts)."""
    known = []
    value = request.COOKIES.get(settings.LOGIN_DEVICE_COOKIE_NAME)
    if value:
        try:
            known = signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=settings.LOGIN_DEVICE_COOKIE_AGE)
        except signing.BadSignature:
            known = []
    digest = hashed(normalise_email(username))
    known = ([digest] + [d for d in known if d != digest])[:5] if isinstance(known, list) else [digest]
    response.set_cookie(
        settings.LOGIN_DEVICE_COOKIE_NAME,
        signing.dumps(known, salt=DEVICE_COOKIE_SALT),
        max_age=settings.LOGIN_DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def login_throttle_wait(request, username: str) -> int:
    """Seconds this login attempt must wait (0: go ahead), counted across all IP addresses."""
    username = normalise_email(username)
    if not username or is_known_device(request, username):
        return 0
    usage = throttle_peek(_throttle_key(username), period=THROTTLE_PERIOD)
    delay = _delay_after(usage.count)
    if not delay or usage.last_hit_at is None:
        return 0
    remaining = usage.last_hit_at + delay - time.time()
    return max(0, math.ceil(remaining))


def login_throttle_failure(username: str) -> int:
    """Count a failed login of the account; the number of failures this hour."""
    username = normalise_email(username)
    if not username:
        return 0
    return throttle_hit(_throttle_key(username), period=THROTTLE_PERIOD).count


def login_throttle_success(username: str) -> None:
    """A successful login (right password) clears the account's failures."""
    throttle_reset(_throttle_key(username), period=THROTTLE_PERIOD)
