"""Redis as a help, never a dependency: the cache and the read-count buffer fail soft.

Every page must answer while Redis is unreachable. So:

* ``ResilientRedisCache`` (the ``default`` cache whenever ``REDIS_URL`` is set) answers like an
  empty cache when Redis does not: a read is a miss (the caller computes from the database), a
  write or delete is skipped. Only the client's connection and timeout errors are caught; any
  other error is a bug and still raises. ``incr``/``decr`` raise, there is no number to fall
  back to.
* ``redis_breaker(url)`` is a circuit breaker per Redis server and process: after one failure,
  Redis is left alone for ``REDIS_RETRY_SECONDS``, so a request pays the (short) connect or
  socket timeout at most once per window instead of on every call. The warning it logs is
  rate-limited to one per minute per server.

A delete skipped while Redis is unreachable can leave a stale entry behind if Redis comes back
with its data (a network split rather than a restart); cached entries therefore carry short
timeouts (e.g. ``brochures.selectors.PDF_CACHE_SECONDS``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from . import metrics

logger = logging.getLogger(__name__)

#: What "Redis is unreachable" looks like to redis-py (refused, reset, hung, still loading).
REDIS_DOWN_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

#: At most one warning per server in this many seconds (the others are counted in the next one).
WARNING_INTERVAL = 60.0

T = TypeVar("T")


class RedisBreaker:
    """Skip one Redis server for a few seconds after it failed to answer."""

    def __init__(self, name: str):
        self.name = name
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._warned_at = -WARNING_INTERVAL
        self._suppressed = 0

    @property
    def is_open(self) -> bool:
        """True while Redis is being skipped after a recent failure."""
        return time.monotonic() < self._open_until

    def call(self, operation: str, func: Callable[[], T], fallback: Callable[[], T]) -> T:
        """``func()``, or ``fallback()`` when Redis is being skipped or fails to answer now."""
        if self.is_open:
            metrics.cache_unavailable.inc()
            return fallback()
        try:
            return func()
        except REDIS_DOWN_ERRORS as exc:
            self.record_failure(operation, exc)
            metrics.cache_unavailable.inc()
            return fallback()

    def record_failure(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._open_until = now + settings.REDIS_RETRY_SECONDS
            if now - self._warned_at < WARNING_INTERVAL:
                self._suppressed += 1
                return
            suppressed, self._suppressed, self._warned_at = self._suppressed, 0, now
        logger.warning(
            "Redis at %s unreachable during %s (%s: %s); falling back to the database for %ss%s",
            self.name,
            operation,
            exc.__class__.__name__,
            exc,
            settings.REDIS_RETRY_SECONDS,
            f" ({suppressed} similar failures not logged)" if suppressed else "",
        )

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0
            self._warned_at = -WARNING_INTERVAL
            self._suppressed = 0


_breakers: dict[str, RedisBreaker] = {}
_breakers_lock = threading.Lock()


def redis_breaker(url: str) -> RedisBreaker:
    """The breaker of the server behind ``url`` (databases of one server share it)."""
    parts = urlsplit(url)
    name = f"{parts.hostname or parts.path}:{parts.port or 6379}"
    with _breakers_lock:
        return _breakers.setdefault(name, RedisBreaker(name))


def redis_breakers_reset() -> None:
    """Forget every recent failure (tests, and after Redis is known to be back)."""
    with _breakers_lock:
        for breaker in _breakers.values():
            breaker.reset()


def redis_ping(url: str, *, timeout: float) -> dict:
    """Health probe of one Redis server, bypassing the breaker; a failure opens it."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except REDIS_DOWN_ERRORS as exc:
        redis_breaker(url).record_failure("the health check", exc)
        return {"status": "down", "error": exc.__class__.__name__}
    finally:
        client.close()
    return {"status": "up"}


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that behaves like an empty cache while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.breaker = redis_breaker(self._servers[0])

    @property
    def location(self) -> str:
        return self._servers[0]

    def _soft(self, operation: str, func: Callable[[], T], fallback: T) -> T:
        return self.breaker.call(f"cache {operation}", func, lambda: fallback)

    def get(self, key, default=None, version=None):
        missing = object()
        value = self._soft("get", partial(super().get, key, missing, version=version), missing)
        metrics.cache_gets.labels(result="miss" if value is missing else "hit").inc()
        return default if value is missing else value

    def get_many(self, keys, version=None):
        return self._soft("get_many", partial(super().get_many, keys, version=version), {})

    def has_key(self, key, version=None):
        return self._soft("has_key", partial(super().has_key, key, version=version), False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("add", partial(super().add, key, value, timeout, version=version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("set", partial(super().set, key, value, timeout, version=version), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("set_many", partial(super().set_many, data, timeout, version=version), list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("touch", partial(super().touch, key, timeout, version=version), False)

    def delete(self, key, version=None):
        return self._soft("delete", partial(super().delete, key, version=version), False)

    def delete_many(self, keys, version=None):
        return self._soft("delete_many", partial(super().delete_many, keys, version=version), None)

    def clear(self):
        return self._soft("clear", super().clear, False)
