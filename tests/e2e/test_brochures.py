"""Brochures in Chromium: read online, download the PDF in Dutch and English; staff edit, publish, see it rendered."""

import re
from io import BytesIO

import pypdf
import pytest
from django.core.management import call_command

from brochures.constants import RenditionStatus
from brochures.models import BrochureVersion, Rendition
from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.factories import DEMO_INSTRUMENTS

pytestmark = pytest.mark.django_db(transaction=True)


def _download_text(page, link) -> tuple[str, str, bytes]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    data = open(download.path(), "rb").read()  # noqa: SIM115 (Playwright owns the file)
    reader = pypdf.PdfReader(BytesIO(data))
    return download.suggested_filename, " ".join(p.extract_text() for p in reader.pages), data


def test_company_user_reads_online_and_downloads_dutch_then_english_pdf(page):
    call_command("seed_demo", companies=5, instruments=DEMO_INSTRUMENTS, force=True)
    login(page, "bedrijf1@demo.example")

    page.goto("/brochures/")
    assert page.get_by_role("heading", level=1).inner_text() == "IMVO-informatie en brochures"
    assert_accessible(page, label="brochure list")
    page.get_by_role("link", name=re.compile("Online lezen.*IMVO en de OESO-richtlijnen")).click()
    assert page.get_by_role("heading", level=1).inner_text() == "IMVO en de OESO-richtlijnen"
    toc = page.get_by_role("navigation", name="Inhoud")
    assert toc.get_by_role("link", name="Gepaste zorgvuldigheid in zes stappen").is_visible()
    assert_accessible(page, label="brochure online nl")
    screenshot(page, "brochure-online-nl")

    filename, text, data = _download_text(page, page.get_by_role("link", name="Downloaden als pdf"))
    assert data.startswith(b"%PDF-") and filename == "imvo-nl-v1.pdf"
    assert "Gepaste zorgvuldigheid" in text and "OESO-richtlijnen" in text
    assert pypdf.PdfReader(BytesIO(data)).trailer["/Root"]["/Lang"] == "nl"

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "IMVO and the OECD Guidelines"
    assert_accessible(page, label="brochure online en")
    filename, text, data = _download_text(page, page.get_by_role("link", name="Download as PDF"))
    assert filename == "imvo-en-v1.pdf" and "Due diligence in six steps" in text
    assert pypdf.PdfReader(BytesIO(data)).trailer["/Root"]["/Lang"] == "en"
    screenshot(page, "brochure-online-en")


def test_pending_pdf_page_polls_and_downloads_when_ready(page, settings):
    call_command("seed_demo", companies=5, instruments=DEMO_INSTRUMENTS, force=True)
    # Pretend the worker has not finished yet: the progress page is shown and polls the status.
    rendition = Rendition.objects.get(language="nl", version__brochure__slug="imvo")
    Rendition.objects.filter(pk=rendition.pk).update(status=RenditionStatus.PENDING)
    page.goto("/brochures/imvo/pdf/")
    assert page.get_by_role("heading", level=1).inner_text() == "Uw pdf wordt klaargemaakt"
    assert page.locator("progress").is_visible()
    assert_accessible(page, label="pdf pending")
    screenshot(page, "brochure-pdf-pending")
    with page.expect_download() as info:
        Rendition.objects.filter(pk=rendition.pk).update(status=RenditionStatus.DONE)
    assert info.value.suggested_filename == "imvo-nl-v1.pdf"


def test_staff_edits_publishes_and_sees_the_new_version_rendered(page):
    call_command("seed_demo", companies=5, instruments=DEMO_INSTRUMENTS, force=True)
    login(page, "rvo@demo.example")
    page.goto("/brochures/manage/")
    assert_accessible(page, label="manage brochures")
    page.get_by_role("link", name="Bewerken IMVO-brochure — Nederlands").click()
    page.get_by_label("Titel").fill("IMVO en de OESO-richtlijnen (herzien)")
    content = page.get_by_label("Hoofdstukken")
    content.fill(content.input_value() + "\n\n## Nieuw hoofdstuk\n\nAanvulling over **klimaat**.\n")
    assert_accessible(page, label="edit brochure")
    page.get_by_role("button", name="Concept opslaan").click()
    assert page.get_by_role("heading", level=1).inner_text() == "IMVO en de OESO-richtlijnen (herzien)"
    assert page.locator("strong", has_text=re.compile("^klimaat$")).is_visible()
    assert_accessible(page, label="draft preview")
    page.get_by_role("button", name="Deze versie publiceren").click()
    page.wait_for_load_state()
    assert "Versie 2 is gepubliceerd" in page.locator(".messages").inner_text()
    state = page.locator("[data-rendition-status]").first
    assert state.get_attribute("data-rendition-status") == "done"
    assert "pagina's" in state.inner_text()
    screenshot(page, "brochure-staff-published")
    version = BrochureVersion.objects.get(brochure__slug="imvo", language="nl", number=2)
    assert Rendition.objects.get(content_sha256=version.content_sha256).status == RenditionStatus.DONE

    page.goto("/brochures/imvo/")
    assert page.get_by_role("heading", level=1).inner_text() == "IMVO en de OESO-richtlijnen (herzien)"
    filename, text, _data = _download_text(page, page.get_by_role("link", name="Downloaden als pdf"))
    assert filename == "imvo-nl-v2.pdf" and "Nieuw hoofdstuk" in text
