"""Rate limits for views: a decorator and a mixin, counting in Redis with the database as fallback.

Usage::

    @ratelimit("verify")                       # per client IP, POST only (the default)
    def verify(request): ...

    @method_decorator(ratelimit("declaration_sign", key="user", methods=("POST",)), name="dispatch")
    class SignView(View): ...

    class SignupView(RateLimitMixin, FormView):
        ratelimits = [("signup", "ip")]

Rates live in ``settings.RATE_LIMITS`` (``"count/period"``, period ``s``, ``m``, ``h`` or ``d``),
keyed by scope name; ``RATE_LIMITS_ENABLED = False`` switches them all off. Counting is done by
``accounts.throttle`` (fixed windows; Redis, or ``ThrottleCounter`` rows while Redis is down).
A request over the limit gets the translated ``429.html`` page with ``Retry-After``; the first one
in a window is a security event (``security.rate_limited``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.shortcuts import render

from core.net import client_ip

from .security_log import security_event
from .throttle import hashed, throttle_hit

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

KeyFunc = Callable[[object], str | None]


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/h"`` → ``(10, 3600)``; ``"5/15m"`` → ``(5, 900)``."""
    count, _, period = rate.partition("/")
    number = period[:-1] or "1"
    return int(count), int(number) * PERIODS[period[-1]]


def _identity(request, key: str | KeyFunc) -> str | None:
    if callable(key):
        return key(request)
    if key == "ip":
        return client_ip(request) or "unknown"
    if key == "user":
        user = getattr(request, "user", None)
        return f"user:{user.pk}" if user is not None and user.is_authenticated else None
    if key == "session":  # a logged-in session (its key changes when its privilege does)
        session = getattr(request, "session", None)
        return f"session:{session.session_key}" if session is not None and session.session_key else None
    if key == "user_or_ip":
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return client_ip(request) or "unknown"
    raise ValueError(f"unknown rate-limit key {key!r}")


def rate_limit_exceeded(request, scope: str, *, key: str | KeyFunc = "ip") -> int | None:
    """Count this request against ``scope``; seconds until the window ends when over the limit, else None."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    identity = _identity(request, key)
    if not identity:
        return None
    limit, period = parse_rate(settings.RATE_LIMITS[scope])
    usage = throttle_hit(f"rl:{scope}:{hashed(identity)}", period=period)
    if usage.count <= limit:
        return None
    retry_after = max(1, math.ceil(usage.window_ends_at - time.time()))
    if usage.count == limit + 1:  # once per window, so an attack does not flood the audit trail
        security_event(
            "security.rate_limited",
            request=request,
            user=getattr(request, "user", None),
            outcome="failure",
            scope=scope,
            retry_after=retry_after,
        )
    return retry_after


def too_many_requests(request, retry_after: int):
    """The portal's 429 page."""
    response = render(
        request, "429.html", {"retry_after": retry_after, "minutes": max(1, math.ceil(retry_after / 60))}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def ratelimit(scope: str, *, key: str | KeyFunc = "ip", methods: Iterable[str] = ("POST",)):
    """Decorator for a view function (or, with ``method_decorator``, a class-based view's ``dispatch``)."""
    methods = frozenset(m.upper() for m in methods)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                retry_after = rate_limit_exceeded(request, scope, key=key)
                if retry_after is not None:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RateLimitMixin:
    """For class-based views: ``ratelimits = [(scope, key), ...]`` checked on ``ratelimit_methods``."""

    ratelimits: list[tuple[str, str | KeyFunc]] = []
    ratelimit_methods: tuple[str, ...] = ("POST",)

    def dispatch(self, request, *args, **kwargs):
        if request.method in self.ratelimit_methods:
            for scope, key in self.ratelimits:
                retry_after = rate_limit_exceeded(request, scope, key=key)
                if retry_after is not None:
                    return too_many_requests(request, retry_after)
        return super().dispatch(request, *args, **kwargs)
