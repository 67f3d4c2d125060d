"""Parallel test processes (pytest-xdist, `make test` with services) share no state.

Each process gets its own test database from pytest-django; these tests check what the project adds:
its own default Celery queue, media folder and Redis scratch database, derived from the process's
name (PYTEST_XDIST_WORKER).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.parallel import redis_scratch_url

ROOT = Path(__file__).resolve().parent.parent


def _test_settings_as(worker: str | None) -> dict:
    """The queue and media folder tests.settings gives a process named ``worker`` (None: no xdist)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_XDIST_WORKER", "TEST_MEDIA_ROOT")}
    env.update({"CELERY_QUEUE": "imvo-x", "TEST_MEDIA_ROOT": "/media-root"})
    if worker:
        env["PYTEST_XDIST_WORKER"] = worker
    code = (
        "import json; from tests import settings as s; "
        "print(json.dumps({'queue': s.CELERY_TASK_DEFAULT_QUEUE, 'media': str(s.MEDIA_ROOT)}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_each_process_has_its_own_celery_queue_and_media_folder():
    alone, first, second = (_test_settings_as(w) for w in (None, "gw0", "gw1"))
    assert alone == {"queue": "imvo-x", "media": "/media-root"}
    assert first == {"queue": "imvo-x-gw0", "media": "/media-root/gw0"}
    assert second == {"queue": "imvo-x-gw1", "media": "/media-root/gw1"}


@pytest.mark.parametrize(
    ("worker", "database"), [(None, 14), ("gw0", 14), ("gw1", 13), ("gw2", 12)], ids=["alone", "gw0", "gw1", "gw2"]
)
def test_each_process_flushes_a_redis_database_of_its_own(monkeypatch, worker, database):
    if worker:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    else:
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert redis_scratch_url("redis://127.0.0.1:6379/0") == f"redis://127.0.0.1:6379/{database}"
