"""The test-only pause of a worker's first brochure render (tests/worker_settings.py), in process:
it waits on a first attempt only, for brochure PDFs only, and installs itself once."""

import pytest

from brochures.constants import PDF_TEMPLATE, RenditionStatus
from brochures.models import Rendition
from brochures.selectors import rendition_for_version
from brochures.tests.factories import published_brochure
from core import pdf
from tests import worker_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def paused(monkeypatch):
    """core.pdf.render_pdf replaced by a recorder, then wrapped by the worker settings' pause."""
    rendered, slept = [], []
    monkeypatch.setattr(pdf, "render_pdf", lambda template, context, **options: rendered.append(template))
    monkeypatch.setattr(worker_settings, "TEST_RENDER_DELAY", 7.5)
    monkeypatch.setattr(worker_settings.time, "sleep", slept.append)
    worker_settings._pause_first_brochure_render()
    return rendered, slept


def _rendering(attempts: int) -> Rendition:
    _brochure, version = published_brochure(bodies=("Eerste.",))
    rendition = rendition_for_version(version=version)
    Rendition.objects.filter(pk=rendition.pk).update(status=RenditionStatus.RENDERING, attempts=attempts)
    return rendition


def test_the_first_attempt_of_a_brochure_render_pauses_then_renders(paused):
    rendered, slept = paused
    _rendering(attempts=1)
    pdf.render_pdf(PDF_TEMPLATE, {}, language="nl")
    assert slept == [7.5] and rendered == [PDF_TEMPLATE]


def test_a_later_attempt_and_other_pdfs_render_at_once(paused):
    rendered, slept = paused
    _rendering(attempts=2)
    pdf.render_pdf(PDF_TEMPLATE, {}, language="nl")
    Rendition.objects.update(attempts=1)
    pdf.render_pdf("declarations/receipt.html", {}, language="nl")
    assert slept == [] and rendered == [PDF_TEMPLATE, "declarations/receipt.html"]


def test_the_pause_wraps_render_pdf_once(paused):
    rendered, slept = paused
    worker_settings._pause_first_brochure_render()  # every task's prerun calls it again
    _rendering(attempts=1)
    pdf.render_pdf(PDF_TEMPLATE, {}, language="nl")
    assert slept == [7.5]


def test_production_settings_have_no_pause():
    from django.conf import settings

    assert not hasattr(settings, "BROCHURE_RENDER_TEST_DELAY") and not hasattr(settings, "TEST_RENDER_DELAY")
