"""/healthz is liveness (the database only); /healthz/ready adds cache, broker and worker, remembered briefly."""

from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.urls import reverse

from core import health

pytestmark = pytest.mark.django_db

DATABASE_DOWN = mock.patch("core.health.connection.cursor", side_effect=OperationalError("down"))


def _must_not_probe(*args, **kwargs):
    raise AssertionError("liveness must not probe anything but the database")


def test_healthz_asks_the_database_only(client):
    with (
        mock.patch("core.health.check_broker", _must_not_probe),
        mock.patch("core.health.check_cache", _must_not_probe),
        mock.patch("core.health.check_worker", _must_not_probe),
    ):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_503_when_database_down(client):
    with DATABASE_DOWN:
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": {"status": "down", "error": "OperationalError"}}


def test_healthz_ready_ok_when_embedded(client):
    response = client.get(reverse("healthz_ready"))
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"]["status"] == "up" and report["cache"]["status"] == "up"
    assert report["broker"] == {"status": "eager"} and report["worker"] == {"status": "eager"}


def test_healthz_ready_degraded_but_200_when_broker_down(client, broker_down):
    response = client.get(reverse("healthz_ready"))
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "degraded"
    assert report["broker"]["status"] == "down" and report["worker"] == {"status": "unknown"}
    assert report["database"]["status"] == "up"


def test_healthz_ready_degraded_when_cache_down(client, cache_down):
    report = client.get(reverse("healthz_ready")).json()
    assert report["status"] == "degraded"
    assert report["cache"] == {"status": "down", "error": "ConnectionError", "backend": "redis"}


def test_healthz_ready_503_when_database_down(client):
    with DATABASE_DOWN:
        response = client.get(reverse("healthz_ready"))
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_healthz_ready_remembers_services_but_asks_the_database_every_time(client, settings):
    settings.HEALTHZ_READY_CACHE_SECONDS = 30
    with (
        mock.patch("core.health.check_broker", wraps=health.check_broker) as broker,
        mock.patch("core.health.check_database", wraps=health.check_database) as database,
    ):
        client.get(reverse("healthz_ready"))
        client.get(reverse("healthz_ready"))
        assert broker.call_count == 1 and database.call_count == 2
        with DATABASE_DOWN:  # a database outage shows at once, not after the memory expires
            assert client.get(reverse("healthz_ready")).status_code == 503
        settings.HEALTHZ_READY_CACHE_SECONDS = 0
        client.get(reverse("healthz_ready"))
        assert broker.call_count == 2


def test_remembered_state_is_not_reused_for_another_broker(client, settings, broker_down):
    # The memory is keyed by what was probed: switching the broker probes again.
    settings.HEALTHZ_READY_CACHE_SECONDS = 30
    from imvo_portal.celery import app

    app.conf.task_always_eager = True
    assert client.get(reverse("healthz_ready")).json()["broker"]["status"] == "eager"
    app.conf.task_always_eager = False
    assert client.get(reverse("healthz_ready")).json()["broker"]["status"] == "down"


def test_worker_ping_returns_on_the_first_answer(settings):
    from imvo_portal.celery import app

    with mock.patch.object(app.control, "ping", return_value=[{"w1@host": {"ok": "pong"}}]) as ping:
        assert health.check_worker("up") == {"status": "up", "workers": 1}
    ping.assert_called_once_with(timeout=settings.HEALTHZ_TIMEOUT, limit=1)
    with mock.patch.object(app.control, "ping", return_value=[]):
        assert health.check_worker("up") == {"status": "down", "workers": 0}
    assert health.check_worker("down") == {"status": "unknown"}


def test_health_report_probes_now_by_default():
    """.ci/run polls health_report() until the worker answers: it must never see a remembered state."""
    with mock.patch("core.health.check_broker", wraps=health.check_broker) as broker:
        report, serving = health.health_report()
        health.health_report()
    assert broker.call_count == 2
    assert serving is True
    assert {"database", "cache", "broker", "worker", "status"} <= set(report)


def _wsgi(path, method="GET"):
    """Call the production WSGI stack's health layer in front of an application that must not be reached."""
    from django.core import signals
    from django.db import close_old_connections
    from django.test import RequestFactory

    reached = []

    def django_app(environ, start_response):
        reached.append(environ["PATH_INFO"])
        start_response("418 I'm a teapot", [])
        return [b"django"]

    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD=method)
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(headers)

    signals.request_started.disconnect(close_old_connections)  # as the test client: keep the test's connection
    signals.request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(health.HealthApp(django_app)(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return captured["status"], captured["headers"], body, reached


def test_the_wsgi_layer_answers_liveness_without_django_and_asks_only_the_database():
    with (
        mock.patch("core.health.check_broker", _must_not_probe),
        mock.patch("core.health.check_cache", _must_not_probe),
        mock.patch("core.health.check_worker", _must_not_probe),
    ):
        status, headers, body, reached = _wsgi("/healthz")
    assert (status, body, reached) == ("200 OK", b'{"status": "ok"}', [])
    assert headers["Content-Type"] == "application/json" and "no-store" in headers["Cache-Control"]
    with DATABASE_DOWN:
        status, _headers, body, reached = _wsgi("/healthz")
    assert status.startswith("503") and b'"down"' in body and reached == []


def test_the_wsgi_layer_answers_readiness_and_passes_everything_else_to_django():
    status, _headers, body, reached = _wsgi("/healthz/ready")
    assert status == "200 OK" and b'"database"' in body and reached == []
    assert _wsgi("/healthz", method="HEAD")[2] == b""
    for path, method in (("/healthz", "POST"), ("/healthzz", "GET"), ("/missions/", "GET")):
        assert _wsgi(path, method)[3] == [path]


def test_an_expired_state_is_answered_while_a_background_probe_renews_it(settings):
    """A probe can take the full timeout (a worker that does not answer); a request should not wait for it."""
    settings.HEALTHZ_READY_CACHE_SECONDS = 30
    health.services_forget()
    first, _ok = health.health_report(max_age=30)
    remembered_at, probed, services = health._services_cached
    health._services_cached = (remembered_at - 31, probed, services)  # just expired
    started = []
    with mock.patch("core.health.threading.Thread") as thread:
        thread.return_value.start.side_effect = lambda: started.append(True)
        with mock.patch("core.health.check_broker", _must_not_probe):
            report, _ok = health.health_report(max_age=30)
            health.health_report(max_age=30)  # one background probe at a time
    assert report["checked_at"] == first["checked_at"] and started == [True]
    target, args = thread.call_args.kwargs["target"], thread.call_args.kwargs["args"]
    target(*args)  # what the thread runs
    assert health._services_cached[0] > remembered_at and not health._background_running
    health._services_cached = (remembered_at - 100, probed, services)  # far too old: probe now
    with mock.patch("core.health.check_broker", wraps=health.check_broker) as broker:
        health.health_report(max_age=30)
    assert broker.call_count == 1


def test_a_starting_process_probes_in_the_background_once():
    health.services_forget()
    with mock.patch("core.health.threading.Thread") as thread:
        health.services_probe_soon()
        health.services_probe_soon()  # already probing
    assert thread.call_count == 1
    target, args = thread.call_args.kwargs["target"], thread.call_args.kwargs["args"]
    target(*args)
    assert health._services_cached is not None and not health._background_running
    with mock.patch("core.health.threading.Thread") as thread:
        health.services_probe_soon()  # a state exists: nothing to do
    assert thread.call_count == 0


def test_a_watching_process_keeps_readiness_fresh_and_answers_from_memory(settings):
    """services_watch (started by wsgi.py): probes every HEALTHZ_READY_INTERVAL, so a change shows
    within about one interval plus one probe, and a readiness request never waits for a probe."""
    import time

    from core import health

    settings.HEALTHZ_READY_INTERVAL = 0.05
    settings.HEALTHZ_READY_CACHE_SECONDS = 3
    state = {"cache": "up"}
    with (
        mock.patch("core.health.check_cache", lambda: {"status": state["cache"]}),
        mock.patch("core.health.check_broker", lambda: {"status": "up"}),
        mock.patch("core.health.check_worker", lambda broker: {"status": "up"}),
    ):
        health.services_watch()
        try:
            assert health.services_watching()
            deadline = time.monotonic() + 5
            while health.services_remembered() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert health.health_report(max_age=3)[0]["cache"]["status"] == "up"
            state["cache"] = "down"
            deadline = time.monotonic() + 5
            while health.services_remembered()["cache"]["status"] != "down" and time.monotonic() < deadline:
                time.sleep(0.01)
            started = time.monotonic()
            report, serving = health.health_report(max_age=3)
            assert time.monotonic() - started < 0.2  # from memory: the database is the only thing asked
            assert report["cache"]["status"] == "down" and report["status"] == "degraded" and serving
        finally:
            health.services_watch_stop()
            time.sleep(0.2)  # its last round ends
