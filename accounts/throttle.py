"""Fixed-window counters for rate limits and login throttling: the cache first, the database when Redis is down.

A counter is identified by a key (already hashed or free of personal data) and a period in seconds;
``throttle_hit`` adds one and answers the count in the current window, ``throttle_peek`` reads it
without counting. The default cache holds the counters (atomic ``add`` + ``incr`` in Redis). While
Redis is unreachable (the breaker of ``core.cache`` is open or a call fails) the counters
move to ``ThrottleCounter`` rows, updated with an atomic ``F()`` expression, so a limit keeps
holding instead of failing open (every request allowed) or closed (every request refused).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import ThrottleCounter

CACHE_PREFIX = "throttle:"


@dataclass(frozen=True)
class Usage:
    count: int
    last_hit_at: float | None  # Unix time of the latest hit in this window
    window_ends_at: float


def hashed(value: str) -> str:
    """A short, stable digest for keys that would otherwise hold personal data (e-mail addresses)."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _window(period: int, now: float) -> tuple[int, float]:
    start = int(now // period) * period
    return start, float(start + period)


def _breaker():
    return getattr(cache, "breaker", None)


def _soft(operation: str, func, fallback):
    """Run ``func`` against the cache, or ``fallback`` (the database) while Redis is down."""
    breaker = _breaker()
    if breaker is None:
        return func()
    return breaker.call(f"throttle {operation}", func, fallback)


# --- cache ---------------------------------------------------------------------------------


def _cache_keys(key: str, start: int) -> tuple[str, str]:
    base = f"{CACHE_PREFIX}{key}:{start}"
    return base, base + ":last"


def _cache_hit(key: str, period: int, now: float) -> Usage:
    start, ends = _window(period, now)
    count_key, last_key = _cache_keys(key, start)
    timeout = period + 5
    if cache.add(count_key, 0, timeout) is False and not cache.has_key(count_key):
        # The resilient cache answers False for "down" as well as for "exists": ask again.
        raise _CacheDown()
    count = cache.incr(count_key)
    cache.set(last_key, now, timeout)
    return Usage(count=count, last_hit_at=now, window_ends_at=ends)


def _cache_peek(key: str, period: int, now: float) -> Usage:
    start, ends = _window(period, now)
    count_key, last_key = _cache_keys(key, start)
    values = cache.get_many([count_key, last_key])
    return Usage(count=int(values.get(count_key) or 0), last_hit_at=values.get(last_key), window_ends_at=ends)


def _cache_reset(key: str, period: int, now: float) -> None:
    start, _ends = _window(period, now)
    cache.delete_many(list(_cache_keys(key, start)))


class _CacheDown(Exception):
    pass


# --- database ------------------------------------------------------------------------------


def _db_hit(key: str, period: int, now: float) -> Usage:
    start, ends = _window(period, now)
    expires = datetime.fromtimestamp(ends, tz=UTC)
    with transaction.atomic():
        updated = ThrottleCounter.objects.filter(key=key, window_start=start).update(
            count=F("count") + 1, last_hit_at=now
        )
        if not updated:
            try:
                with transaction.atomic():
                    ThrottleCounter.objects.create(
                        key=key, window_start=start, expires_at=expires, count=1, last_hit_at=now
                    )
            except IntegrityError:  # created by a concurrent request in the meantime
                ThrottleCounter.objects.filter(key=key, window_start=start).update(
                    count=F("count") + 1, last_hit_at=now
                )
        count = ThrottleCounter.objects.filter(key=key, window_start=start).values_list("count", flat=True).first()
    # Old windows are of no use; the table only grows while Redis is down.
    ThrottleCounter.objects.filter(expires_at__lt=datetime.fromtimestamp(now, tz=UTC)).delete()
    return Usage(count=count or 1, last_hit_at=now, window_ends_at=ends)


def _db_peek(key: str, period: int, now: float) -> Usage:
    start, ends = _window(period, now)
    row = ThrottleCounter.objects.filter(key=key, window_start=start).values_list("count", "last_hit_at").first()
    if row is None:
        return Usage(count=0, last_hit_at=None, window_ends_at=ends)
    return Usage(count=row[0], last_hit_at=row[1], window_ends_at=ends)


def _db_reset(key: str, period: int, now: float) -> None:
    start, _ends = _window(period, now)
    ThrottleCounter.objects.filter(key=key, window_start=start).delete()


# --- public --------------------------------------------------------------------------------


def throttle_hit(key: str, *, period: int) -> Usage:
    """Count one hit on ``key`` in the current window of ``period`` seconds; the usage after it."""
    now = time.time()

    def from_cache():
        try:
            return _cache_hit(key, period, now)
        except (_CacheDown, ValueError):
            return _db_hit(key, period, now)

    return _soft("hit", from_cache, lambda: _db_hit(key, period, now))


def throttle_peek(key: str, *, period: int) -> Usage:
    """The usage of ``key`` in the current window, without counting."""
    now = time.time()
    breaker = _breaker()
    if breaker is not None and breaker.is_open:
        return _db_peek(key, period, now)
    usage = _soft("peek", lambda: _cache_peek(key, period, now), lambda: _db_peek(key, period, now))
    if usage.count == 0 and breaker is not None:
        # Hits counted in the database during a Redis outage still count after it.
        return _db_peek(key, period, now)
    return usage


def throttle_reset(key: str, *, period: int) -> None:
    """Forget the hits of ``key`` in the current window (e.g. after a successful login)."""
    now = time.time()
    _soft("reset", lambda: _cache_reset(key, period, now), lambda: None)
    if _breaker() is not None:
        _db_reset(key, period, now)
