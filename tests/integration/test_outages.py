"""Outages as an operator meets them: PostgreSQL and Redis behind a proxy that drops every packet.

The portal runs under gunicorn with production settings (``deploy/gunicorn.conf.py``: JSON access
log) against this test run's database and Redis, each reached through a ``TcpProxy``. Switched to
``blackhole``, the proxy accepts and never answers, and established connections hang: a partition,
not a refusal. The limits asked for (issue 27, "Fail fast, say true things"):

* ``/healthz`` answers within 1 s (503 while the database is away, 200 again once it is back);
* a page answers 503 with ``Retry-After`` and the portal's own page, for anonymous and logged-in
  users, within the configured timeouts, saying what became of a submitted form;
* ``/healthz/ready`` shows a Redis outage, and its end, within 5 s, answering at once meanwhile.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.factories import UserFactory
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
REQUEST_WAIT = 2.0
CONNECT = 1.5
METRICS_TOKEN = "outage-test-metrics-token"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(port: int, path: str, *, method: str = "GET", cookie: str = "", headers: dict | None = None, data=None):
    """(status, headers, body, seconds) of one request, never raising for an HTTP error status."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=data)
    request.add_header("Accept-Language", "en")
    request.add_header("Cookie", "django_language=en" + (f"; {cookie}" if cookie else ""))
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, head, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, head, body = error.code, dict(error.headers), error.read()
    return status, head, body.decode("utf-8", "replace"), time.monotonic() - started


def wait_until(predicate, *, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture
def portal(transactional_db, tmp_path):
    """gunicorn (1 worker, production settings) with PostgreSQL and Redis behind their own proxies."""
    from urllib.parse import urlsplit

    db = connection.settings_dict
    redis_url = urlsplit(settings.CELERY_BROKER_URL)
    with (
        TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as pg_proxy,
        TcpProxy(redis_url.hostname, redis_url.port or 6379) as redis_proxy,
    ):
        port = _free_port()
        credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        redis_via_proxy = f"redis://127.0.0.1:{redis_proxy.port}{redis_url.path or '/0'}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.outage_settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": f"postgres://{credentials}@127.0.0.1:{pg_proxy.port}/{db['NAME']}",
            "DATABASE_OWNER_URL": "",
            "REDIS_URL": redis_via_proxy,
            "CELERY_BROKER_URL": redis_via_proxy,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_QUEUE": f"imvo-outage-test-{os.getpid()}",
            # Production refuses the public development keys: keys of this test only (it signs nothing).
            "DECLARATION_CHAIN_KEY": secrets.token_hex(32),
            "DECLARATION_CHECKPOINT_PRIVATE_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "DASHBOARD_ROUNDING_KEY": settings.DASHBOARD_ROUNDING_KEY,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LOCAL_STATE_DIR": str(tmp_path / "state"),
            "PAGE_CACHE_SECONDS": "0",
            "RATE_LIMITS_ENABLED": "0",
            "DATABASE_REQUEST_WAIT_TIMEOUT": str(REQUEST_WAIT),
            "DATABASE_CONNECT_TIMEOUT": str(CONNECT),
            "METRICS_TOKEN": METRICS_TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),  # as docker-compose's web service
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "PYTHONPATH": str(ROOT),
        }
        log_path = tmp_path / "gunicorn.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                # No control socket: its default path is one per user, and test processes run side by side.
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--no-control-socket"]
                + ["imvo_portal.wsgi:application"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:

            def up():
                if process.poll() is not None:
                    raise AssertionError("gunicorn exited:\n" + log_path.read_text(errors="replace"))
                try:
                    return http(port, "/healthz")[0] == 200
                except OSError:
                    return False

            try:
                wait_until(up, timeout=60, interval=0.3)
            except AssertionError:
                raise AssertionError("gunicorn did not start:\n" + log_path.read_text(errors="replace")) from None
            yield type("Portal", (), {"port": port, "pg": pg_proxy, "redis": redis_proxy, "log": log_path})
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _assert_outage_page(status, headers, body, seconds, *, limit: float, outcome: str) -> float:
    assert status == 503, body[:500]
    assert headers.get("Retry-After") == str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    assert "The portal is temporarily unavailable" in body  # the portal's page, not gunicorn's
    assert outcome in body
    request_id = headers.get("X-Request-ID")
    assert request_id and f"<code data-request-id>{request_id}</code>" in body
    assert seconds < limit, f"answered after {seconds:.2f} s, limit {limit} s"
    return seconds


def test_a_database_partition_answers_503_quickly_and_healthz_within_a_second(portal):
    user = UserFactory()
    cookie = _session_cookie(user)
    assert http(portal.port, "/accounts/profile/", cookie=cookie)[0] == 200  # logged in, database up
    assert http(portal.port, "/missions/")[0] == 200

    portal.pg.blackhole()
    # A request may pay one wait on its established connection, then one connect; never more.
    limit = REQUEST_WAIT + CONNECT + 1.0

    status, headers, body, healthz = http(portal.port, "/healthz")
    assert status == 503 and json.loads(body)["status"] == "error"
    assert healthz < 1.0, f"/healthz took {healthz:.2f} s"

    # Logged in: the session (a database read) fails before any view: still the portal's page.
    logged_in = _assert_outage_page(
        *http(portal.port, "/accounts/profile/", cookie=cookie), limit=limit, outcome="nothing was sent"
    )
    # Anonymous, a page that reads the database.
    anonymous = _assert_outage_page(*http(portal.port, "/missions/"), limit=limit, outcome="nothing was sent")
    # A submitted form that never reached the database: said so, and asked to submit again.
    posted = _assert_outage_page(
        *http(portal.port, "/accounts/profile/", method="POST", cookie=cookie, data=b"full_name=X"),
        limit=limit,
        outcome="has NOT been stored",
    )
    for _ in range(3):  # every probe stays within a second while the partition lasts
        status, _, _, seconds = http(portal.port, "/healthz")
        assert status == 503 and seconds < 1.0

    print(
        f"partition: /healthz {healthz:.2f} s; 503 logged-in GET {logged_in:.2f} s, anonymous GET "
        f"{anonymous:.2f} s, POST {posted:.2f} s (limit {limit} s)"
    )
    portal.pg.forward()
    wait_until(lambda: http(portal.port, "/healthz")[0] == 200, timeout=5)
    assert http(portal.port, "/accounts/profile/", cookie=cookie)[0] == 200

    # The access log is JSON with the request id the portal gave each answer.
    lines = [json.loads(line) for line in portal.log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    outage = [line for line in access if line["http"]["status"] == 503 and line["http"]["path"] != "/healthz"]
    assert len(outage) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in outage)
    assert all(line["time"].endswith("+00:00") for line in lines)


def test_readiness_shows_a_redis_outage_and_its_end_within_5_seconds(portal):
    def cache_status():
        status, _, body, seconds = http(portal.port, "/healthz/ready")
        assert seconds < 0.5, f"readiness took {seconds:.2f} s"  # answered from memory
        return status, json.loads(body)["cache"]["status"]

    # The first answer of a process may wait for its first probe (up to HEALTHZ_TIMEOUT per service).
    http(portal.port, "/healthz/ready")
    wait_until(lambda: cache_status() == (200, "up"), timeout=10)
    started = time.monotonic()
    portal.redis.blackhole()
    wait_until(lambda: cache_status() == (200, "down"), timeout=5)
    noticed = time.monotonic() - started

    # The portal still serves pages (the cache fails soft) within its Redis timeouts, and liveness is up.
    status, _, _, seconds = http(portal.port, "/missions/")
    assert status == 200 and seconds < 3.0
    status, _, _, seconds = http(portal.port, "/healthz")
    assert status == 200 and seconds < 1.0

    started = time.monotonic()
    portal.redis.forward()
    wait_until(lambda: cache_status() == (200, "up"), timeout=5)
    recovered = time.monotonic() - started
    print(f"readiness: outage noticed after {noticed:.1f} s, recovery after {recovered:.1f} s")


def test_metrics_through_gunicorn_need_the_token_and_add_up_the_workers(portal):
    assert http(portal.port, "/metrics")[0] == 401
    http(portal.port, "/healthz/ready")  # the first readiness state of the process (imvo_component_up)
    for _ in range(3):
        assert http(portal.port, "/privacy/")[0] == 200
    status, headers, body, _ = http(portal.port, "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    # Multiprocess mode (PROMETHEUS_MULTIPROC_DIR): counters come from the workers' shared files.
    assert 'imvo_http_requests_total{method="GET",route="privacy/",status="200"} 3.0' in body
    for name in ("imvo_db_queries_total", "imvo_celery_queue_length", "imvo_evidence_records", "imvo_component_up"):
        assert name in body
