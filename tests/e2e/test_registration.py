"""The company journey in Chromium as bedrijf1@demo.example: find a mission, register in five steps,
sign the declaration, see the confirmation, download the receipt PDF (a real PDF containing the text
hash); a user of another organisation gets 404 on it. Screenshots of every step, axe on every page."""

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from declarations.models import Declaration
from missions.constants import RegistrationStatus
from missions.models import Registration
from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.factories import DEMO_INSTRUMENTS

pytestmark = pytest.mark.django_db(transaction=True)


def step(page, label: str) -> None:
    screenshot(page, f"registration-{label}")
    assert_accessible(page, label=label)


def test_company_registers_signs_and_downloads_receipt(page, live_server):
    call_command("seed_demo", companies=5, instruments=DEMO_INSTRUMENTS, force=True)
    login(page, "bedrijf1@demo.example")

    page.goto("/missions/")
    step(page, "01-catalogue")
    page.get_by_label("Zoeken").fill("waterstof")
    page.locator("form[role=search] button[type=submit]").click()
    page.get_by_role("link", name="Innovatiemissie waterstof en groene energie naar Japan").click()
    step(page, "02-detail")
    page.locator("a[href='/missions/waterstof-japan/register/']").click()

    step(page, "03-step1-organisation")
    page.locator("input[name=organisation]").first.check()
    page.locator("main button[type=submit]").click()

    step(page, "04-step2-participants")
    page.locator("#id_p1_name").fill("Anna Bakker")
    page.locator("#id_p1_email").fill("anna.bakker@example.org")
    page.locator("#id_p1_position").fill("Hoofd R&D")
    page.locator("#id_motivation").fill("Wij zoeken Japanse partners voor onderzoek naar elektrolysers.")
    page.locator("button[value=next]").click()

    step(page, "05-step3-imvo")
    page.locator("button[value=next]").click()

    step(page, "06-step4-declaration")
    page.locator("input[name=decision][value=endorsed]").check()
    page.locator("#id_signatory_position").fill("Directeur")
    page.locator("#id_confirms_authority").check()
    page.locator("button[value=next]").click()

    step(page, "07-step5-review")
    page.locator("button[value=submit]").click()

    page.wait_for_url("**/my/registrations/**")
    step(page, "08-confirmation")
    assert page.locator(".registration-status.alert-success").count() == 1
    registration = Registration.objects.get(
        mission__slug="waterstof-japan", organisation__memberships__user__email="bedrijf1@demo.example"
    )
    assert registration.status == RegistrationStatus.CONFIRMED
    declaration = Declaration.objects.for_subject(registration).get()

    with page.expect_download() as download_info:
        page.locator(f"a[href='/declarations/{declaration.pk}/receipt/']").click()
    content = download_info.value.path().read_bytes()
    assert content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).replace("\n", "")
    assert declaration.text_sha256 in text and declaration.record_hash in text

    page.goto("/my/")
    step(page, "09-my-overview")

    page.context.clear_cookies()
    login(page, "bedrijf2@demo.example")
    response = page.goto(f"/declarations/{declaration.pk}/receipt/")
    assert response.status == 404
    screenshot(page, "registration-10-other-organisation-404")
