"""A real Celery worker process for tests marked ``worker``.

The worker runs the production settings against the *test* database (so it sees what a
``transactional_db`` test commits), the test's media folder and a queue of its own, so stale
messages of another run never reach it.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_tests() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, *, queue: str, media_root: Path, concurrency: int = 1, render_delay: float = 0):
        self.queue = queue
        # Seconds the first attempt of a brochure render pauses, so a test can kill the worker
        # mid-render (tests/worker_settings.py); 0: the production settings as they are.
        self.render_delay = render_delay
        self.media_root = media_root
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.log_path = ROOT / "test-artifacts" / f"worker-{queue}-{int(time.time() * 1000)}.log"

    def start(self, timeout: float = 30) -> "WorkerProcess":
        from imvo_portal.celery import app

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings" if self.render_delay else "imvo_portal.settings",
            "IMVO_TEST_RENDER_DELAY": str(self.render_delay),
            "DATABASE_URL": database_url_for_tests(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_QUEUE": self.queue,
            "MEDIA_ROOT": str(self.media_root),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            # The TEST PKI of this test process (receipt seal), not one in the developer's home.
            "EVIDENCE_PKI_DIR": str(settings.EVIDENCE_PKI_DIR),
        }
        hostname = f"test-{self.queue}-{uuid.uuid4().hex[:6]}@localhost"
        self.hostname = hostname
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "imvo_portal",
                "worker",
                "-Q",
                self.queue,
                "-n",
                hostname,
                "-c",
                str(self.concurrency),
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early, see {self.log_path}")
            replies = app.control.ping(destination=[hostname], timeout=0.5) or []
            if replies:
                return self
        raise RuntimeError(f"worker did not answer within {timeout}s, see {self.log_path}")

    def child_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def kill_hard(self) -> None:
        """kill -9 the whole worker (main process and pool children)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill_hard()
        self._log.close()


@pytest.fixture
def celery_live(settings, transactional_db, tmp_path):
    """Switch Celery to the real broker on a private queue; yields a factory of workers."""
    from imvo_portal.celery import app

    queue = f"imvo-test-{uuid.uuid4().hex[:8]}"
    media_root = tmp_path / "shared-media"
    media_root.mkdir()
    settings.MEDIA_ROOT = media_root
    # Read the app's configuration before the setting changes: Celery loads it lazily, from Django's
    # settings as they are at the first read, so reading it after would keep False for good.
    old = (app.conf.task_always_eager, app.conf.task_default_queue)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    workers: list[WorkerProcess] = []

    def start_worker(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(queue=queue, media_root=media_root, **kwargs).start()
        workers.append(worker)
        return worker

    start_worker.queue = queue
    start_worker.media_root = media_root
    try:
        yield start_worker
    finally:
        for worker in workers:
            worker.stop()
        app.conf.task_always_eager, app.conf.task_default_queue = old
        try:
            import redis

            redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(queue)
        except Exception:
            pass


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
