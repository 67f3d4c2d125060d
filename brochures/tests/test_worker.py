"""A real Celery worker renders brochures, and a render survives kill -9 of its worker exactly once."""

import hashlib
import os
import signal

import pytest
from django.core.files.storage import default_storage

from brochures import services
from brochures.constants import RenditionStatus
from brochures.models import Rendition
from brochures.selectors import rendition_for_version
from tests.workers import celery_live, wait_for  # noqa: F401 (fixture)

from .factories import published_brochure

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


def _status(rendition_id):
    return Rendition.objects.get(pk=rendition_id).status


def _pdf_files(settings_prefix: str) -> list[str]:
    _dirs, files = default_storage.listdir(f"{settings_prefix}/imvo")
    return [name for name in files if name.endswith(".pdf")]


def test_a_real_worker_renders_a_published_brochure(celery_live, settings):  # noqa: F811
    celery_live()
    _brochure, version = published_brochure(bodies=("Gepaste zorgvuldigheid.", "Tweede."))
    rendition = rendition_for_version(version=version)

    wait_for(lambda: _status(rendition.pk) == RenditionStatus.DONE, timeout=60)

    rendition.refresh_from_db()
    data = default_storage.open(rendition.file.name).read()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == rendition.file_sha256
    assert rendition.attempts == 1


def _assert_rendered_exactly_once(rendition_id, settings, version):
    rendition = Rendition.objects.get(pk=rendition_id)
    assert rendition.status == RenditionStatus.DONE and rendition.finished_at is not None
    assert rendition.attempts == 2  # the killed attempt and the one that finished
    assert _pdf_files(settings.RENDITION_STORAGE_PREFIX) == [rendition.file.name.rsplit("/", 1)[1]]
    data = default_storage.open(rendition.file.name).read()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == rendition.file_sha256
    assert Rendition.objects.filter(content_sha256=version.content_sha256).count() == 1


def _start_a_render_that_hangs(start_worker, monkeypatch):
    """A worker whose first render attempt sleeps (so it can be killed mid-render), with the default lease.

    The pause is a test-only wrapper the worker loads with its settings (tests/worker_settings.py)."""
    monkeypatch.delenv("BROCHURE_RENDER_LEASE_SECONDS", raising=False)
    worker = start_worker(render_delay=45)
    _brochure, version = published_brochure(bodies=("Eerste.", "Tweede."))
    rendition = rendition_for_version(version=version)
    wait_for(lambda: _status(rendition.pk) == RenditionStatus.RENDERING, timeout=60)
    # While it renders, the heartbeat keeps renewing its short lease.
    first_lease = Rendition.objects.get(pk=rendition.pk).lease_expires_at
    wait_for(lambda: Rendition.objects.get(pk=rendition.pk).lease_expires_at > first_lease, timeout=30)
    return worker, version, rendition


def test_kill_9_of_the_whole_worker_a_restarted_worker_finishes_the_render_within_a_minute(
    celery_live,  # noqa: F811
    settings,
    monkeypatch,
):
    first, version, rendition = _start_a_render_that_hangs(celery_live, monkeypatch)

    first.kill_hard()  # main process and pool: nothing acknowledges or requeues the message

    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.RENDERING and rendition.attempts == 1
    celery_live()
    # No beat here: the new worker picks the render up when it starts and takes over once the
    # dead worker's lease (BROCHURE_RENDER_LEASE_SECONDS, 30 s) ran out.
    wait_for(lambda: _status(rendition.pk) == RenditionStatus.DONE, timeout=60)
    _assert_rendered_exactly_once(rendition.pk, settings, version)
    # A duplicate message (beat's re-queue, a late redelivery) renders nothing more.
    assert services.renditions_queue_missing() == 0
    rendition.refresh_from_db()
    assert rendition.attempts == 2


def test_kill_9_of_the_pool_process_the_redelivered_task_finishes_the_render_within_a_minute(
    celery_live,  # noqa: F811
    settings,
    monkeypatch,
):
    worker, version, rendition = _start_a_render_that_hangs(celery_live, monkeypatch)
    (child,) = worker.child_pids()

    os.kill(child, signal.SIGKILL)  # the worker survives and redelivers (acks_late + reject_on_worker_lost)

    wait_for(lambda: _status(rendition.pk) == RenditionStatus.DONE, timeout=60)
    _assert_rendered_exactly_once(rendition.pk, settings, version)
    assert worker.process.poll() is None and child not in worker.child_pids()
