"""A real Celery worker renders brochures, and a render survives kill -9 of its worker exactly once."""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

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


def test_render_survives_kill_9_of_its_worker_and_completes_exactly_once(celery_live, settings, monkeypatch):  # noqa: F811
    # The first worker sleeps before rendering, so we can kill it mid-render; its claim lasts 4 s.
    monkeypatch.setenv("BROCHURE_RENDER_TEST_DELAY", "30")
    monkeypatch.setenv("BROCHURE_RENDER_LEASE_SECONDS", "4")
    first = celery_live()
    _brochure, version = published_brochure(bodies=("Eerste.", "Tweede."))
    rendition = rendition_for_version(version=version)
    wait_for(lambda: _status(rendition.pk) == RenditionStatus.RENDERING, timeout=60)

    first.kill_hard()

    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.RENDERING and rendition.attempts == 1
    monkeypatch.setenv("BROCHURE_RENDER_TEST_DELAY", "0")
    celery_live()
    # Beat's task hands the abandoned render to the new worker once the dead worker's lease ran out.
    wait_for(lambda: Rendition.objects.get(pk=rendition.pk).lease_until < timezone.now(), timeout=30)
    assert services.renditions_queue_missing() == 1

    wait_for(lambda: _status(rendition.pk) == RenditionStatus.DONE, timeout=60)
    rendition.refresh_from_db()
    assert rendition.attempts == 2 and rendition.finished_at is not None
    assert _pdf_files(settings.RENDITION_STORAGE_PREFIX) == [rendition.file.name.rsplit("/", 1)[1]]
    data = default_storage.open(rendition.file.name).read()
    assert hashlib.sha256(data).hexdigest() == rendition.file_sha256
    # Queuing again (a duplicate message, the redelivered original) renders nothing more.
    assert services.renditions_queue_missing() == 0
    rendition.refresh_from_db()
    assert rendition.attempts == 2
    assert Rendition.objects.filter(content_sha256=version.content_sha256).count() == 1
