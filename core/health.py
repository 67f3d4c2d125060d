"""Health of the portal and the services it uses, each probed with a short timeout.

``/healthz`` (liveness) asks the database only: it is what a load balancer or docker-compose
polls, so it must stay fast and must not fail because Redis or the worker is away; the portal
still serves every page then (``core/cache.py``). ``/healthz/ready`` adds the cache, the
broker and the worker. Those probes can take up to ``HEALTHZ_TIMEOUT`` each, so their result is
remembered for ``HEALTHZ_READY_CACHE_SECONDS`` in this process (not in Redis: it has to work
while Redis is down). Each component is ``up``, ``down`` or ``eager`` (Celery runs tasks in the
request, there is no broker); the worker is ``unknown`` while the broker is down.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time

from celery import current_app as app  # the project's app (imvo_portal.celery), without importing the root
from django.conf import settings
from django.core import signals
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from .cache import ResilientRedisCache, redis_ping
from .database import database_wait_limit
from .metrics import register_collector

HEALTHY = {"up", "eager"}

logger = logging.getLogger(__name__)


def check_database() -> dict:
    """``SELECT 1``, waiting at most ``HEALTHZ_DATABASE_TIMEOUT`` (connect included; core/database.py)."""
    try:
        with database_wait_limit(settings.HEALTHZ_DATABASE_TIMEOUT, total=True), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "up", "engine": connection.vendor}


def check_cache() -> dict:
    backend = caches["default"]
    if not isinstance(backend, ResilientRedisCache):
        return {"status": "up", "backend": backend.__class__.__name__}
    return {**redis_ping(backend.location, timeout=settings.HEALTHZ_TIMEOUT), "backend": "redis"}


def check_broker() -> dict:
    if app.conf.task_always_eager:
        return {"status": "eager"}
    timeout = settings.HEALTHZ_TIMEOUT
    # The broker's own socket timeouts are longer (tasks should rather wait than fail); a probe should not.
    options = {**app.conf.broker_transport_options, "socket_timeout": timeout, "socket_connect_timeout": timeout}
    try:
        with app.connection_for_write(connect_timeout=timeout, transport_options=options) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)  # one attempt, no back-off
    except Exception as exc:  # kombu raises several unrelated types when the broker is down
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "up"}


def check_worker(broker_status: str) -> dict:
    if broker_status == "eager":
        return {"status": "eager"}
    if broker_status != "up":
        return {"status": "unknown"}
    try:
        # limit=1: return as soon as one worker answers instead of always waiting the timeout.
        replies = app.control.ping(timeout=settings.HEALTHZ_TIMEOUT, limit=1) or []
    except Exception as exc:
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "up" if replies else "down", "workers": len(replies)}


def liveness_report() -> tuple[dict, bool]:
    """``/healthz``: the database answers ``SELECT 1``; nothing else is asked."""
    database = check_database()
    if database["status"] == "up":
        return {"status": "ok"}, True
    return {"status": "error", "database": database}, False


_services_lock = threading.Lock()
_services_cached: tuple[float, tuple, dict] | None = None


def _services_probed() -> tuple:
    """What the service probes talk to; the remembered state is only reused for the same."""
    backend = caches["default"]
    return (app.conf.task_always_eager, app.conf.broker_url, getattr(backend, "location", type(backend).__name__))


#: A remembered state older than ``max_age`` is still answered (and probed again in the background)
#: until it is this many times ``max_age`` old; after that a request waits for a fresh probe.
STALE_FACTOR = 3

_background_lock = threading.Lock()
_background_running = False


def _probe(probed: tuple) -> dict:
    global _services_cached
    broker = check_broker()
    services = {
        "cache": check_cache(),
        "broker": broker,
        "worker": check_worker(broker["status"]),
        "checked_at": timezone.now().isoformat(timespec="seconds"),
    }
    _services_cached = (time.monotonic(), probed, services)
    return services


def _probe_in_background(probed: tuple) -> None:
    global _background_running
    try:
        with _services_lock:
            _probe(probed)
    except Exception:  # a probe reports failures itself; anything else must not kill the thread silently
        logger.exception("Background health probe failed")
    finally:
        with _background_lock:
            _background_running = False


def _probe_in_background_once(probed: tuple, *, unless_known: bool = False) -> None:
    """Start a background probe unless one is running (or, with ``unless_known``, a state exists)."""
    global _background_running
    with _background_lock:
        if _background_running or (unless_known and _services_cached is not None):
            return
        _background_running = True
    threading.Thread(target=_probe_in_background, args=(probed,), daemon=True).start()


def services_probe_soon() -> None:
    """Probe cache, broker and worker in the background now (a web process calls this as it starts),
    so that the first readiness request finds a state instead of waiting for the probes."""
    _probe_in_background_once(_services_probed(), unless_known=True)


def _services(max_age: float) -> dict:
    """Cache, broker and worker state, remembered in this process for ``max_age`` seconds.

    When the remembered state has just expired, it is answered once more while a background thread
    probes again: a probe can take ``HEALTHZ_TIMEOUT`` (a worker that does not answer a ping), and a
    load balancer's request should not wait for it. Only the first request of a process, or one
    after ``STALE_FACTOR`` x ``max_age`` without a fresh state, waits for the probe.
    """
    probed = _services_probed()
    cached = _services_cached
    if max_age > 0 and cached is not None and cached[1] == probed:
        age = time.monotonic() - cached[0]
        if age < max_age:
            return cached[2]
        if age < STALE_FACTOR * max_age:
            _probe_in_background_once(probed)
            return cached[2]
    with _services_lock:  # one probe at a time; the others wait and reuse its result
        cached = _services_cached
        if max_age > 0 and cached is not None and cached[1] == probed and time.monotonic() - cached[0] < max_age:
            return cached[2]
        return _probe(probed)


_watch_pid: int | None = None
_watch_lock = threading.Lock()


def _watch() -> None:
    while _watch_pid == os.getpid():
        try:
            with _services_lock:
                _probe(_services_probed())
        except Exception:  # keep watching; a probe reports failures itself
            logger.exception("Background health probe failed")
        time.sleep(settings.HEALTHZ_READY_INTERVAL)


def services_watch() -> None:
    """Probe cache, broker and worker every ``HEALTHZ_READY_INTERVAL`` seconds in a thread of this
    process (a web process starts it), so that readiness answers from memory at once and its state
    is never older than the interval plus one probe: an outage or a recovery shows within ~3 s.
    Started again in a forked child (a thread does not survive ``fork``)."""
    global _watch_pid
    with _watch_lock:
        if _watch_pid == os.getpid():
            return
        _watch_pid = os.getpid()
    threading.Thread(target=_watch, name="imvo-health-watch", daemon=True).start()


def services_watch_stop() -> None:
    """End this process's watch after its current round (tests)."""
    global _watch_pid
    with _watch_lock:
        _watch_pid = None


def services_watching() -> bool:
    return _watch_pid == os.getpid()


def services_remembered() -> dict | None:
    """The last probed cache, broker and worker state of this process, if any (for metrics)."""
    cached = _services_cached
    return cached[2] if cached is not None else None


def readiness_metrics():
    """``imvo_component_up`` on /metrics: cache, broker and worker as readiness last saw them."""
    from prometheus_client.core import GaugeMetricFamily

    remembered = services_remembered()
    if remembered:
        up = GaugeMetricFamily("imvo_component_up", "Readiness state of a component (1 up)", labels=["component"])
        for component in ("cache", "broker", "worker"):
            up.add_metric([component], 1 if remembered[component]["status"] in HEALTHY else 0)
        yield up


register_collector(readiness_metrics)


def services_forget() -> None:
    """Drop the remembered service state (tests, or right after a change)."""
    global _services_cached
    with _services_lock:
        _services_cached = None


def health_report(*, max_age: float = 0) -> tuple[dict, bool]:
    """Database (always asked now), cache, broker and worker (remembered for ``max_age`` seconds).

    Returns the report and whether the portal can serve (the database answers). The report's
    ``status`` is ``ok`` when every component is up (or eager), ``degraded`` when the database
    answers but something else does not, and ``error`` when the database does not.
    """
    database = check_database()
    services = _services(max_age)
    report = {"database": database, **services}
    components = [database, services["cache"], services["broker"], services["worker"]]
    serving = database["status"] == "up"
    if not serving:
        report["status"] = "error"
    elif all(component["status"] in HEALTHY for component in components):
        report["status"] = "ok"
    else:
        report["status"] = "degraded"
    return report, serving


_HEALTH_PATHS = {"/healthz": "live", "/healthz/": "live", "/healthz/ready": "ready", "/healthz/ready/": "ready"}
_HEALTH_HEADERS = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private"),
    ("X-Content-Type-Options", "nosniff"),
]


class HealthApp:
    """WSGI layer: answers ``/healthz`` and ``/healthz/ready`` before Django's middleware.

    A load balancer polls these every few seconds; the full middleware stack (sessions, language,
    authentication, second factor, CSRF, security headers) has nothing to do for them and cost most
    of each probe. The answers are the same reports the Django views give (``views.healthz``,
    ``views.healthz_ready``), which stay for the test client and other servers. Anything else,
    and any method but GET and HEAD, goes to Django.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        kind = _HEALTH_PATHS.get(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD", "GET")
        if kind is None or method not in ("GET", "HEAD"):
            return self.application(environ, start_response)
        # Outside Django's handler: its request signals manage the database connection as usual.
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            if kind == "live":
                report, ok = liveness_report()
            else:
                if not services_watching() and _watch_pid is not None:
                    services_watch()  # a forked worker of a process that watched (gunicorn --preload)
                report, ok = health_report(max_age=settings.HEALTHZ_READY_CACHE_SECONDS)
        finally:
            signals.request_finished.send(sender=self.__class__)
        body = json.dumps(report).encode()
        start_response(
            "200 OK" if ok else "503 Service Unavailable", [*_HEALTH_HEADERS, ("Content-Length", str(len(body)))]
        )
        return [b""] if method == "HEAD" else [body]
