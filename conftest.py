"""Shared pytest fixtures and the service markers.

Tests marked ``postgres``, ``redis``, ``worker``, ``browser``, ``oidc`` or ``tsa`` skip with a reason when the
service is missing, except in CI (``IMVO_REQUIRE_SERVICES=1``), where a missing service fails
the test instead: .ci/run must run them all.
"""

import os
import shutil
import sys
from functools import cache
from pathlib import Path

import pytest

pytest_plugins = ["tests.oidc.fixtures"]

REQUIRE_SERVICES = os.environ.get("IMVO_REQUIRE_SERVICES") == "1"


@cache
def _redis_available() -> str | None:
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        return "no Redis broker configured (set REDIS_URL or CELERY_BROKER_URL)"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"Redis at the broker URL does not answer ({exc.__class__.__name__})"
    return None


@cache
def _postgres_available() -> str | None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://...)"
    return None


@cache
def _browser_available() -> str | None:
    if not shutil.which("chromium"):
        return "Chromium is not installed (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@cache
def _tsa_available() -> str | None:
    if not (Path(sys.executable).parent / "certomancer").exists():
        return "certomancer is not installed (requirements-dev.txt)"
    return None


def _missing_services(item) -> list[str]:
    reasons = []
    markers = {m.name for m in item.iter_markers()}
    if markers & {"postgres", "worker"}:
        reasons.append(_postgres_available())
    if markers & {"redis", "worker"}:
        reasons.append(_redis_available())
    if "browser" in markers:
        reasons.append(_browser_available())
    if "tsa" in markers:
        reasons.append(_tsa_available())
    if "oidc" in markers:
        from tests.oidc.fixtures import oidc_unavailable

        reasons.append(oidc_unavailable())
    return [r for r in reasons if r]


def pytest_runtest_setup(item):
    reasons = _missing_services(item)
    if reasons:
        if REQUIRE_SERVICES:
            pytest.fail("required service missing in CI: " + "; ".join(reasons), pytrace=False)
        pytest.skip("; ".join(reasons))


@pytest.fixture(scope="session", autouse=True)
def _celery_configured_from_the_test_settings():
    """Load the Celery app's configuration now, from the test settings (eager unless a test says
    otherwise). Celery reads it lazily at the first access; were that inside a test that changed
    ``CELERY_TASK_ALWAYS_EAGER``, the change would outlive the test in this process."""
    from django.conf import settings

    from imvo_portal.celery import app

    assert app.conf.task_always_eager == settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(autouse=True)
def _celery_join_allowed():
    """Celery's "a task is running here" flag is one per process, set while an eager task runs. Two
    eager tasks in threads of a live server can leave it set (each restores what it found), after
    which ``result.get()`` in the next test refuses; each test starts with it cleared."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _language_as_in_a_fresh_process():
    """No test inherits the language an earlier one left active in this thread (a request, an
    ``activate``): each starts as a fresh process does, in ``LANGUAGE_CODE``."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from core.page_cache import page_cache_forget_local

    cache.clear()
    page_cache_forget_local()
    yield


@pytest.fixture
def redis_scratch_url(settings) -> str:
    """A database on the broker's Redis server that this test process alone may flush (tests/parallel.py)."""
    from tests.parallel import redis_scratch_url

    return redis_scratch_url(settings.CELERY_BROKER_URL)


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Celery in real (non-eager) mode against a broker port where nothing listens."""
    from imvo_portal.celery import app  # after Django's settings are configured

    url = "redis://127.0.0.1:1/0"
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_connection_timeout)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads the environment before its conf
    app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_connection_timeout = False, url, 0.5
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield url
    finally:
        app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_connection_timeout = saved
        app._pool = None
        app.amqp._producer_pool = None
