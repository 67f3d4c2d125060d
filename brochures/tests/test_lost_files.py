"""Brochure PDFs lost from storage are made again: on a download, by render_brochures, by repair_files."""

import shutil
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command

from audit.models import AuditEvent
from brochures import services
from brochures.constants import RenditionStatus
from brochures.models import Rendition
from brochures.selectors import rendition_for_version
from tests.on_commit import queued

from .factories import published_brochure

pytestmark = pytest.mark.django_db


def _published_and_rendered():
    _brochure, version = published_brochure(bodies=("Gepaste zorgvuldigheid.",))
    rendition = rendition_for_version(version=version)
    services.rendition_render(rendition_id=rendition.pk)
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.DONE
    return version, rendition


def test_render_brochures_queues_a_done_rendition_whose_file_is_gone(client, django_capture_on_commit_callbacks):
    _version, rendition = _published_and_rendered()
    assert client.get("/brochures/imvo/pdf/").status_code == 200  # and now cached for the next download
    shutil.rmtree(settings.MEDIA_ROOT / settings.RENDITION_STORAGE_PREFIX)  # the media folder is lost

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("render_brochures", stdout=out)

    # Before, the done row made render_brochures queue nothing and the PDF stayed 404 for good.
    assert f"File missing, queued again: brochure PDF imvo (nl), rendition {rendition.pk}" in out.getvalue()
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.DONE and default_storage.exists(rendition.file.name)
    response = client.get("/brochures/imvo/pdf/")  # the cached entry named the lost file: not served stale
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action="brochure.rendition_file_lost")
    assert event.details["found_by"] == "render_brochures"


def test_the_first_download_of_a_lost_pdf_queues_it_and_says_come_back(client, django_capture_on_commit_callbacks):
    _version, rendition = _published_and_rendered()
    assert client.get("/brochures/imvo/pdf/").status_code == 200  # cached
    default_storage.delete(rendition.file.name)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get("/brochures/imvo/pdf/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.templates[0].name == "brochures/pending.html"
    assert len(queued(callbacks)) == 1  # the render; the request's own bookkeeping aside
    assert Rendition.objects.get(pk=rendition.pk).status == RenditionStatus.PENDING
    with django_capture_on_commit_callbacks(execute=False) as again:
        assert client.get("/brochures/imvo/pdf/").status_code == 202  # waiting; nothing queued twice
    assert queued(again) == []

    queued(callbacks)[0]()  # the worker renders it
    response = client.get("/brochures/imvo/pdf/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_repair_files_reports_and_queues_lost_brochure_pdfs(django_capture_on_commit_callbacks):
    _version, rendition = _published_and_rendered()
    default_storage.delete(rendition.file.name)
    out = StringIO()
    call_command("repair_files", "--dry-run", stdout=out)
    assert "brochure PDFs: 1 missing (dry run, not queued)" in out.getvalue()
    assert Rendition.objects.get(pk=rendition.pk).status == RenditionStatus.DONE
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("repair_files", stdout=out)
    assert "brochure PDFs: 1 missing, queued to be made again" in out.getvalue()
    assert services.rendition_file_missing(Rendition.objects.get(pk=rendition.pk)) is False
