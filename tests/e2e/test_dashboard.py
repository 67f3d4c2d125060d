"""The ministry dashboard in Chromium: headline figures, a filter in the URL, the CSV download, axe."""

from pathlib import Path

import pytest
from django.core.management import call_command

from dashboard.models import DashboardRelease, ReleasedUptakeRollup
from dashboard.releases import release_publish
from dashboard.selectors import Filters, dashboard_report, missions_known
from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.factories import DEMO_INSTRUMENTS, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def headline(page) -> dict[str, str]:
    labels = page.locator("#headline dt").all_inner_texts()
    values = page.locator("#headline dd[data-figure]").all_inner_texts()
    return dict(zip(labels, values, strict=True))


def test_ministry_sees_the_demo_figures_filters_and_downloads_csv(page, transactional_db, settings):
    call_command("seed_demo", companies=5, instruments=DEMO_INSTRUMENTS, force=True)
    assert DashboardRelease.objects.count() == 1  # seed_demo publishes a first release
    # A larger mission on top of the demo, so that a filter visibly changes the numbers, and a new
    # release with a budget so large that the noise is negligible: 15 and 10 are published as they are.
    settings.DASHBOARD_RELEASE_RHO_PER_YEAR = 1e9
    from dashboard.tests.helpers import make_mission, register

    extra = make_mission(year=2024, country="KE", title="Extra testmissie Kenia")
    for i in range(15):
        register(extra, OrganisationFactory(large=i < 10))
    release = release_publish()
    source = ReleasedUptakeRollup.objects.filter(release=release)
    shown = dashboard_report(filters=Filters(), missions=missions_known(), language="nl", source=source)

    login(page, "ministerie@demo.example")
    page.goto("/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard IMVO-deelname"
    figures = headline(page)
    assert figures == {str(label): cell.text for label, cell, _help in shown.headline}
    assert all(int(figures[k]) % 5 == 0 for k in ("Aanmeldingen", "Deelnemende organisaties"))
    assert "Grote bedrijven die de OESO-richtlijnen onderschreven (doel 90%)" in page.content()
    assert_accessible(page, label="dashboard")
    screenshot(page, "dashboard-all")

    page.get_by_label("Missie", exact=True).select_option(label="Extra testmissie Kenia (2024)")
    page.get_by_role("button", name="Cijfers tonen").click()
    page.wait_for_load_state()
    assert f"mission={extra.pk}" in page.url
    filtered = headline(page)
    assert filtered["Aanmeldingen"] == "15"
    assert filtered["Missies"] == "1"
    assert filtered != figures
    assert page.locator("#target-share").inner_text() == "100,0%"
    assert_accessible(page, label="dashboard filtered")
    screenshot(page, "dashboard-filtered")

    with page.expect_download() as download_info:
        page.locator("#csv-export").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "Aanmeldingen;15" in content
    assert "Extra testmissie Kenia" in content
    assert "@" not in content
