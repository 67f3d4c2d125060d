"""Receipts anyone can verify, in Chromium: a company signs, downloads the receipt PDF, and an
anonymous visitor checks it on /verify/ by uploading the PDF (Dutch) and by typing the reference
and the code (English), then uploads an edited copy (not green, plain words) and the real one
again. Screenshots of the confirmation page and the answers; axe on each page."""

import re

import pytest
from django.core.management import call_command

from declarations.models import Declaration
from declarations.references import verification_code
from declarations.tests.hostile_pdfs import overprinted
from missions.models import Registration
from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.factories import DEMO_INSTRUMENTS

pytestmark = pytest.mark.django_db(transaction=True)


def _reflows(page, label: str) -> None:
    """At 375 px (screenshot) and 320 px the page has no horizontal scrolling (WCAG 1.4.10)."""
    size = page.viewport_size
    for width in (375, 320):
        page.set_viewport_size({"width": width, "height": 800})
        if width == 375:
            screenshot(page, f"{label}-375px")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (label, width)
    page.set_viewport_size(size)


def _register_and_sign(page) -> None:
    page.goto("/missions/waterstof-japan/register/")
    page.locator("input[name=organisation]").first.check()
    page.locator("main button[type=submit]").click()
    page.locator("#id_p1_name").fill("Anna O'Neill & Zn")
    page.locator("#id_p1_email").fill("anna@example.org")
    page.locator("#id_p1_position").fill("Hoofd R&D")
    page.locator("#id_motivation").fill("Partners zoeken voor elektrolysers.")
    page.locator("button[value=next]").click()
    page.locator("button[value=next]").click()
    page.locator("input[name=decision][value=endorsed]").check()
    page.locator("#id_signatory_position").fill("Directeur")
    page.locator("#id_confirms_authority").check()
    page.locator("button[value=next]").click()
    page.locator("button[value=submit]").click()
    page.wait_for_url("**/my/registrations/**")


def test_a_downloaded_receipt_is_verified_on_the_public_page_in_dutch_and_english(page, live_server, tmp_path):
    call_command("seed_demo", companies=2, instruments=DEMO_INSTRUMENTS, force=True)
    login(page, "bedrijf1@demo.example")
    _register_and_sign(page)
    registration = Registration.objects.get(
        mission__slug="waterstof-japan", organisation__memberships__user__email="bedrijf1@demo.example"
    )
    declaration = Declaration.objects.for_subject(registration).get()
    code = verification_code(declaration)

    # The confirmation: short reference and code up front, hashes only under "technical details".
    assert page.locator("#declaration-reference").inner_text() == declaration.reference
    assert re.fullmatch(r"IMVO-\d{4}-\d{6}", declaration.reference)
    assert page.locator("#declaration-code").inner_text() == code
    assert page.get_by_role("heading", name="Wat er nu gebeurt").is_visible()
    hash_cell = page.locator("details.technical-details code", has_text=declaration.record_hash)
    assert not hash_cell.is_visible()
    page.locator("details.technical-details summary").click()
    assert hash_cell.is_visible()
    screenshot(page, "verify-01-confirmation")
    assert_accessible(page, label="confirmation")  # fails on any violation, at 1280, 375 and 320 px
    _reflows(page, "verify-01b-confirmation")

    with page.expect_download() as download_info:
        page.locator(f"a[href='/declarations/{declaration.pk}/receipt/']").click()
    receipt = tmp_path / "ontvangstbewijs.pdf"
    download_info.value.save_as(receipt)
    assert receipt.read_bytes().startswith(b"%PDF")

    # An anonymous visitor (say, a journalist) checks the receipt.
    page.context.clear_cookies()
    page.goto("/")
    page.locator("footer a[href='/verify/']").click()
    assert page.get_by_role("heading", name="Ontvangstbewijs van een verklaring controleren").is_visible()
    assert_accessible(page, label="verify form")  # fails on any violation, at 1280, 375 and 320 px
    page.locator("#id_receipt").set_input_files(str(receipt))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    result = page.locator("#verify-result")
    assert result.get_by_role("heading", name="Deze verklaring staat in het register").is_visible()
    assert result.locator("[data-field=reference]").inner_text() == declaration.reference
    assert result.locator("[data-field=organisation]").inner_text() == declaration.organisation_name
    assert result.locator("[data-field=decision]").inner_text() == "Onderschreven"
    assert "Ja" in result.locator("[data-field=current]").inner_text()
    assert result.locator("[data-field=checkpoint]").inner_text().strip() != ""
    assert declaration.personal.signatory_name not in page.content()
    screenshot(page, "verify-02-upload-nl")
    assert_accessible(page, label="verify result nl")  # fails on any violation, at 1280, 375 and 320 px

    # In English, typed by hand (lower case, spaces instead of hyphens).
    page.locator(".language-switch a[hreflang=en]").click()
    page.wait_for_load_state()
    page.goto("/verify/")
    assert page.get_by_role("heading", name="Verify a declaration receipt").is_visible()
    page.locator("#id_reference").fill(declaration.reference.lower())
    page.locator("#id_code").fill(code.lower().replace("-", " "))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    result = page.locator("#verify-result")
    assert result.get_by_role("heading", name="This declaration is in the register").is_visible()
    assert result.locator("[data-field=decision]").inner_text() == "Endorsed"
    assert "Yes" in result.locator("[data-field=current]").inner_text()
    screenshot(page, "verify-03-typed-en")
    assert_accessible(page, label="verify result en")  # fails on any violation, at 1280, 375 and 320 px
    page.locator("#verify-result details summary").click()  # the hashes, opened, must reflow too
    _reflows(page, "verify-03b-typed-en")

    # A wrong code gets the plain "not found" answer.
    page.locator("#id_code").fill("ABCD-EFGH-JKMN")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#verify-result").get_by_role("heading", name="No declaration found").is_visible()

    # An edited copy of the same receipt (its decision painted over in an incremental update, so
    # every byte of the original is still in it): never the green box, and plain words why.
    edited = tmp_path / "ontvangstbewijs-bewerkt.pdf"
    edited.write_bytes(overprinted(receipt.read_bytes(), words="Besluit: Niet onderschreven"))
    page.goto("/verify/")
    page.locator("#id_receipt").set_input_files(str(edited))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    result = page.locator("#verify-result")
    assert result.get_by_role("heading", name="This file is not the receipt the portal issued").is_visible()
    assert result.locator(".alert-success").count() == 0
    assert "in the register" not in result.inner_text().replace("What the register itself says", "")
    assert result.locator("#register-facts [data-field=decision]").inner_text() == "Endorsed"
    screenshot(page, "verify-04-edited-copy-en")
    assert_accessible(page, label="verify edited copy")  # fails on any violation, at 1280, 375 and 320 px

    # The real receipt again: green.
    page.locator("#id_receipt").set_input_files(str(receipt))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#verify-result [data-verdict=issued-receipt]").is_visible()
