"""eHerkenning in Chromium against the real OpenID Provider: "Inloggen met eHerkenning" on the
portal, the provider's own login page, back to the portal, the organisation form with the KvK
number fixed, then register for a mission and sign the declaration with the session's authority."""

import re

import pytest
from django.core.management import call_command

from declarations.models import Declaration
from missions.constants import RegistrationStatus
from missions.models import Registration
from tests.e2e.conftest import assert_accessible, screenshot
from tests.factories import DEMO_INSTRUMENTS
from tests.oidc.fixtures import configure, start_provider

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.oidc]


@pytest.fixture(scope="module")
def live_provider(live_server):
    provider = start_provider([live_server.url])
    yield provider
    provider.stop()


def step(page, label: str) -> None:
    screenshot(page, f"eherkenning-{label}")
    assert_accessible(page, label=label)


def test_company_logs_in_with_eherkenning_registers_and_signs(page, live_server, live_provider, settings):
    from eherkenning import client as client_module

    client_module._client_for.cache_clear()
    configure(settings, live_provider.issuer)
    call_command("seed_demo", companies=2, instruments=DEMO_INSTRUMENTS, force=True)

    page.goto("/accounts/login/")
    step(page, "01-login-page")
    page.get_by_role("link", name="Inloggen met eHerkenning").click()

    # The provider's own login page (oidc-provider's interaction).
    page.wait_for_url(f"{live_provider.issuer}/**")
    screenshot(page, "eherkenning-02-provider-login")
    page.locator("input[name=login]").fill("eh-signatory")
    page.locator("input[name=password]").fill("any")
    page.locator("button[type=submit]").first.click()

    # Back at the portal: a KvK number it does not know yet, so the organisation form, number fixed.
    page.wait_for_url(f"{live_server.url}/accounts/eherkenning/organisation/")
    step(page, "03-organisation-form")
    kvk = page.locator("#id_kvk_number")
    assert kvk.input_value() == "70000001" and kvk.is_disabled()
    page.locator("#id_name").fill("Zonnepanelen Noord B.V.")
    page.locator("#id_sector").select_option("C")
    page.locator("#id_city").fill("Groningen")
    page.locator("#id_employees").fill("40")
    page.locator("#id_figures_year").fill("2025")
    page.locator("#id_annual_turnover_eur").fill("3000000")
    page.locator("#id_balance_sheet_total_eur").fill("1000000")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url("**/organisation/*/")
    step(page, "04-organisation")

    page.goto("/missions/waterstof-japan/")
    page.locator("a[href='/missions/waterstof-japan/register/']").click()
    page.locator("input[name=organisation]").first.check()
    page.locator("main button[type=submit]").click()
    page.locator("#id_p1_name").fill("Sanne de Vries")
    page.locator("#id_p1_email").fill("sanne@zonnepanelen.example")
    page.locator("#id_p1_position").fill("Directeur")
    page.locator("#id_motivation").fill("Wij zoeken Japanse partners voor zonne-energie en waterstof.")
    page.locator("button[value=next]").click()
    page.locator("button[value=next]").click()
    step(page, "05-declaration")
    page.locator("input[name=decision][value=endorsed]").check()
    page.locator("#id_signatory_position").fill("Directeur")
    page.locator("#id_confirms_authority").check()
    page.locator("button[value=next]").click()
    page.locator("button[value=submit]").click()
    page.wait_for_url("**/my/registrations/**")
    step(page, "06-confirmation")

    registration = Registration.objects.get(mission__slug="waterstof-japan", organisation__kvk_number="70000001")
    assert registration.status == RegistrationStatus.CONFIRMED
    declaration = Declaration.objects.for_subject(registration).get()
    assert declaration.authority.startswith("eherkenning;urn:etoegang:core:assurance-class:loa3;")
    assert declaration.user.oidc_identities.get().subject == "pseudo-7f3a1c"

    # Logout ends at the provider, which sends the browser back to the portal's home page.
    page.locator("form[action='/accounts/logout/'] [type=submit]").first.click()
    page.wait_for_url(f"{live_provider.issuer}/**")
    screenshot(page, "eherkenning-07-provider-logout")
    page.locator("button[autofocus], form button").first.click()  # the provider asks to confirm
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/(\?.*)?$"))
    assert page.get_by_role("link", name="Inloggen").count() >= 1
