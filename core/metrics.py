"""Prometheus metrics at ``/metrics``: requests, database, cache, queue, tasks and what apps add.

Built on ``prometheus_client`` directly (what django-prometheus wraps): the portal's cache is its own
fail-soft backend and its database wrapper its own fail-fast one, which django-prometheus would
replace with instrumented copies of Django's. Where the numbers come from:

* **Requests** (``imvo_http_requests_total``, ``imvo_http_request_duration_seconds``): counted by
  ``core.request_log`` per method, route (the URL pattern, never the raw path) and status.
* **Database** (``imvo_db_queries_total``, ``imvo_db_query_errors_total``,
  ``imvo_db_query_duration_seconds``): an execute wrapper on every connection this process opens.
* **Cache** (``imvo_cache_gets_total{result}``, ``imvo_cache_unavailable_total``): the Redis cache.
* **Queue depth** (``imvo_celery_queue_length``): the length of the Celery queue in Redis, read at
  scrape time.
* **Task outcomes** (``imvo_celery_tasks_total{task,outcome}``): the workers are other processes,
  often on other hosts, and a scrape reaches one web process only. So each worker adds its
  outcomes to one Redis hash (``TASK_COUNTS_KEY``, Celery signals) and a scrape reads it: the
  counts survive worker restarts and need no shared folder. Redis away: they are not counted
  meanwhile (metrics fail soft, tasks never fail because of them). Eager mode (no broker): counted
  in this process.
* **Readiness** (``imvo_component_up{component}``): the state ``/healthz/ready`` remembers
  (registered by ``core.health``).
* **Apps** add their own at scrape time with ``register_collector`` (declarations: evidence record
  count and the age of the last checkpoint), so this module imports no domain app.

Several gunicorn workers: with ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn.conf.py, docker-compose)
the request, database and cache counters of all workers of a node are summed (prometheus_client's
multiprocess mode); without it each worker answers its own.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable

import redis
from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from .net import client_ip

logger = logging.getLogger(__name__)

TASK_COUNTS_KEY = "imvo:metrics:tasks"
TASK_OUTCOMES = ("success", "failure", "retry", "rejected", "revoked")
REDIS_TIMEOUT = 0.5

_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

http_requests = Counter("imvo_http_requests", "HTTP requests answered by Django", ["method", "route", "status"])
http_duration = Histogram(
    "imvo_http_request_duration_seconds", "Time to answer a request in Django", ["route"], buckets=_DURATION_BUCKETS
)
db_queries = Counter("imvo_db_queries", "Database statements executed", ["vendor"])
db_errors = Counter("imvo_db_query_errors", "Database statements that failed", ["vendor", "error"])
db_duration = Histogram(
    "imvo_db_query_duration_seconds", "Time of one database statement", ["vendor"], buckets=_DURATION_BUCKETS
)
cache_gets = Counter("imvo_cache_gets", "Cache reads", ["result"])
cache_unavailable = Counter("imvo_cache_unavailable", "Cache operations answered without Redis (fail soft)")
_eager_tasks = Counter("imvo_celery_eager_tasks", "Celery tasks run in the request (eager mode)", ["task", "outcome"])

_collectors: list[Callable[[], Iterable[Metric]]] = []


def register_collector(collect: Callable[[], Iterable[Metric]]) -> None:
    """Add metrics computed at scrape time (``collect`` yields prometheus metric families)."""
    if collect not in _collectors:
        _collectors.append(collect)


def request_observed(method: str, route: str, status: int, duration: float) -> None:
    http_requests.labels(method=method, route=route, status=str(status)).inc()
    http_duration.labels(route=route).observe(duration)


def _database_metrics(execute, sql, params, many, context):
    vendor = context["connection"].vendor
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    except Exception as exc:
        db_errors.labels(vendor=vendor, error=exc.__class__.__name__).inc()
        raise
    finally:
        db_queries.labels(vendor=vendor).inc()
        db_duration.labels(vendor=vendor).observe(time.perf_counter() - started)


def _on_connection_created(sender, connection, **kwargs):
    if _database_metrics not in connection.execute_wrappers:
        connection.execute_wrappers.append(_database_metrics)


def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)


def _broker_redis_url() -> str | None:
    url = settings.CELERY_BROKER_URL
    return url if url.startswith(("redis://", "rediss://", "unix://")) else None


def task_outcome_count(task_name: str, outcome: str) -> None:
    """Count one task outcome where every web process can read it (Redis, or here in eager mode)."""
    from celery import current_app

    url = _broker_redis_url()
    if current_app.conf.task_always_eager or url is None:
        _eager_tasks.labels(task=task_name, outcome=outcome).inc()
        return
    try:
        _redis_client(url).hincrby(TASK_COUNTS_KEY, f"{task_name}|{outcome}", 1)
    except redis.exceptions.RedisError as exc:  # never fail a task because of a metric
        logger.debug("task outcome not counted (%s)", exc.__class__.__name__)


def _task_name(sender=None, request=None, **kwargs) -> str:
    name = getattr(sender, "name", None) or (sender if isinstance(sender, str) else None)
    if not name and request is not None:
        name = getattr(request, "task", None) or getattr(request, "name", None)
    return name or "unknown"


def _on_task_success(sender=None, **kwargs):
    task_outcome_count(_task_name(sender), "success")


def _on_task_failure(sender=None, **kwargs):
    task_outcome_count(_task_name(sender), "failure")


def _on_task_retry(sender=None, request=None, **kwargs):
    task_outcome_count(_task_name(None, request), "retry")


def _on_task_rejected(sender=None, message=None, **kwargs):
    task_outcome_count("unknown", "rejected")


def _on_task_revoked(sender=None, request=None, **kwargs):
    task_outcome_count(_task_name(sender, request), "revoked")


def _on_task_prerun(task_id=None, task=None, **kwargs):
    from .log_format import log_context

    log_context.set({"task_id": task_id, "task_name": getattr(task, "name", None)})


def _on_task_postrun(**kwargs):
    from .log_format import log_context

    log_context.set(None)


_connected = False


def connect_signals() -> None:
    """Database statements and Celery task outcomes feed the metrics (core.apps)."""
    global _connected
    if _connected:
        return
    from celery import signals as celery_signals
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connection_created, dispatch_uid="imvo-metrics-db")
    celery_signals.task_success.connect(_on_task_success, weak=False)
    celery_signals.task_failure.connect(_on_task_failure, weak=False)
    celery_signals.task_retry.connect(_on_task_retry, weak=False)
    celery_signals.task_rejected.connect(_on_task_rejected, weak=False)
    celery_signals.task_revoked.connect(_on_task_revoked, weak=False)
    celery_signals.task_prerun.connect(_on_task_prerun, weak=False)
    celery_signals.task_postrun.connect(_on_task_postrun, weak=False)
    _connected = True


def _scrape_time_metrics() -> Iterable[Metric]:
    """Queue depth, task outcomes from Redis, readiness state and what the apps registered."""
    url = _broker_redis_url()
    if url is not None:
        queue = GaugeMetricFamily("imvo_celery_queue_length", "Tasks waiting in the Celery queue", labels=["queue"])
        tasks = CounterMetricFamily(
            "imvo_celery_tasks", "Celery task outcomes (all workers)", labels=["task", "outcome"]
        )
        try:
            client = _redis_client(url)
            name = settings.CELERY_TASK_DEFAULT_QUEUE
            queue.add_metric([name], client.llen(name))
            for field, count in sorted(client.hgetall(TASK_COUNTS_KEY).items()):
                task, _, outcome = field.decode().rpartition("|")
                tasks.add_metric([task, outcome], int(count))
        except redis.exceptions.RedisError:
            yield GaugeMetricFamily("imvo_broker_up", "Whether the broker answered this scrape", value=0)
        else:
            yield GaugeMetricFamily("imvo_broker_up", "Whether the broker answered this scrape", value=1)
            yield queue
            yield tasks
    for collect in list(_collectors):
        try:
            yield from collect()
        except Exception:  # one failing collector must not hide the others
            logger.exception("metrics collector %s failed", getattr(collect, "__name__", collect))


class _ScrapeTimeCollector:
    def collect(self):
        return _scrape_time_metrics()


def metrics_text() -> tuple[bytes, str]:
    """The exposition text of every metric, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessRegistry())
    registry.register(_ScrapeTimeCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessRegistry:
    """This process's metrics (the default registry), added to a scrape's registry."""

    def collect(self):
        return REGISTRY.collect()


def metrics_allowed(request) -> tuple[bool, int]:
    """Whether this request may read ``/metrics``; else the status to answer (404 or 401)."""
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS
    if not token and not networks:
        return False, 404
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True, 200
    if networks:
        try:
            address = ipaddress.ip_address(client_ip(request) or "")
        except ValueError:
            address = None
        if address is not None and any(address in ipaddress.ip_network(n, strict=False) for n in networks):
            return True, 200
    return False, 401 if token else 404
