"""An instrument's IMVO framework in Chromium: RVO staff assess an instrument and publish level 2
from a phase date, a company signs the declaration for it, and the ministry page counts it."""

import pytest
from django.utils import timezone

from declarations.models import Declaration
from instruments.subjects import text_kind_for
from instruments.tests.factories import InstrumentFactory, PhaseFactory
from missions.tests.factories import published_text
from tests.e2e.conftest import CHROMIUM_ARGS, assert_accessible, login, screenshot  # noqa: F401
from tests.factories import MinistryUserFactory, StaffUserFactory, member_of
from tests.mfa import totp_device_for

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


def _page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def test_staff_publish_level_two_company_signs_ministry_counts(browser, live_server, settings, transactional_db):
    settings.DASHBOARD_MIN_CELL = 1
    settings.DASHBOARD_CACHE_SECONDS = 0
    instrument = InstrumentFactory(sectors="C", name_nl="Regeling ketenverduurzaming", name_en="Chain scheme")
    published_text(kind=text_kind_for(instrument))  # the text of the instrument's kind of undertaking
    phase = PhaseFactory(number=1, name_nl="Fase 1", name_en="Phase 1", effective_from=timezone.localdate())
    staff = StaffUserFactory(email="rvo-e2e@example.org")
    ministry = MinistryUserFactory(email="min-e2e@example.org")
    totp_device_for(staff)
    totp_device_for(ministry)
    company_user = member_of()
    company_user.email = "bedrijf-e2e@example.org"
    company_user.save()

    # RVO staff assess the instrument and publish level 2 from the phase date.
    page = _page(browser, live_server)
    login(page, staff.email, PASSWORD)
    page.goto(f"/staff/instruments/{instrument.pk}/")
    page.locator("#assess-link").click()
    for criterion, score in (
        ("admin_burden", "2"),
        ("level_playing_field", "2"),
        ("implementation_cost", "2"),
        ("imvo_risk", "4"),
        ("support_size", "2"),
    ):
        page.locator(f"#id_{criterion}").select_option(score)
        page.locator(f"#id_{criterion}_reason").fill("Onderbouwing voor de test.")
    page.locator("#id_change_reason").fill("Eerste beoordeling")
    page.locator("#level-preview", has_text="niveau 2").wait_for()  # the live preview (level_preview.js)
    page.locator("#assess-save").click()
    page.wait_for_load_state()
    assert f"/staff/instruments/{instrument.pk}/level/" in page.url
    assert "niveau 2" in page.locator("#suggested").inner_text()
    page.locator("#id_level").select_option("2")
    page.locator("#id_phase").select_option(str(phase.pk))
    page.locator("#id_purpose_1").fill("Kennis van IMVO hoort bij verduurzaming van de keten.")
    page.locator("#id_purpose_2").fill("De verklaring past bij het doel: verantwoorde ketens.")
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    assert "Gepubliceerd niveau 2" in page.locator("#current-level").inner_text()
    screenshot(page, "instrument-staff-level-2")
    page.context.close()

    # A company fulfils the conditions: reads the IMVO information and signs the declaration.
    page = _page(browser, live_server)
    login(page, company_user.email, PASSWORD)
    page.goto(f"/instruments/{instrument.slug}/")
    assert "Nu van kracht: niveau 2." in page.locator("#conditions-now").inner_text()
    page.locator("#imvo-link").click()
    page.wait_for_load_state()
    assert "IMVO-informatie: Regeling ketenverduurzaming" in page.content()
    page.go_back()
    # A reference that is too long: the start page with the error summary, focused, and the text kept.
    page.locator("#id_reference").fill("KETEN-2026-001-" + "X" * 30)
    page.locator("form[action$='/apply/'] [type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/instruments/{instrument.slug}/apply/") and page.title().startswith("Fout: ")
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    assert page.locator("[data-error-summary] li").count() == 1
    assert page.locator("#id_reference").input_value() == "KETEN-2026-001-" + "X" * 30
    assert_accessible(page, label="instrument application start with an error")
    page.locator("#id_reference").fill("KETEN-2026-001")
    page.locator("form[action$='/apply/'] [type=submit]").click()
    page.wait_for_load_state()
    page.locator("#id_confirm").check()
    page.locator("form[action$='/confirm-read/'] [type=submit]").click()
    page.wait_for_load_state()
    page.locator("input[name=decision][value=endorsed]").check()
    page.locator("#id_signatory_name").fill("Anna de Vries")
    page.locator("#id_signatory_position").fill("Directeur")
    page.locator("#id_confirms_authority").check()
    page.locator("form[action$='/sign/'] [type=submit]").last.click()
    page.wait_for_load_state()
    assert "Vastgelegd" in page.locator("#declaration-done").inner_text()
    assert "Voorwaarden vervuld" in page.locator("#application-status").inner_text()
    confirmation = page.locator("#confirmation").inner_text()
    assert "KETEN-2026-001" in confirmation and "IMVO-" in page.locator("#confirmation-reference").inner_text()
    assert_accessible(page, label="instrument application")
    screenshot(page, "instrument-company-signed")
    page.context.close()
    declaration = Declaration.objects.get(subject_snapshot__reference="KETEN-2026-001")
    assert declaration.undertaking.extra["framework_level"] == 2 and declaration.undertaking.code == instrument.code

    # The ministry's page shows it in the next release of the figures, with the release's noise
    # (dashboard/tests/test_instruments.py checks the exact live count staff see, and the noise).
    from dashboard.releases import release_publish

    release = release_publish()
    page = _page(browser, live_server)
    login(page, ministry.email, PASSWORD)
    page.goto("/dashboard/instruments/")
    assert f"publicatie {release.number}" in page.content()
    rows = page.locator("#table-declarations tbody tr", has_text=instrument.code)
    if rows.count():  # a row whose released figures are all 0 is left out
        assert int(rows.first.locator("td").nth(1).inner_text()) >= 0
    assert_accessible(page, label="instrument reach")
    screenshot(page, "instrument-ministry-reach")
    page.context.close()
