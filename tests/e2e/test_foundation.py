"""First journey: sign up → confirm e-mail → create organisation → log out → log in → switch language."""

import re

from django.core import mail

from tests.e2e.conftest import assert_accessible, screenshot

PASSWORD = "Veilig-wachtwoord-2026!"


def test_signup_confirm_create_organisation_login_and_switch_language(page, live_server, settings):
    settings.PORTAL_BASE_URL = live_server.url
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert_accessible(page, label="home")
    screenshot(page, "foundation-01-home")

    page.get_by_role("link", name="Account aanmaken").first.click()
    page.locator("#id_full_name").fill("Fatima El Amrani")
    page.locator("#id_email, #id_username").first.fill("fatima@example.org")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_label(re.compile("privacyverklaring")).check()
    assert_accessible(page, label="signup")
    page.get_by_role("button", name="Account aanmaken").click()
    page.wait_for_url("**/signup/done/")
    assert "fatima@example.org" in page.content()
    screenshot(page, "foundation-02-signup-done")

    confirm_url = re.search(r"(http://\S+/accounts/confirm/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(confirm_url)
    assert_accessible(page, label="confirm")
    page.get_by_role("button", name="E-mailadres bevestigen").click()
    page.wait_for_url("**/organisation/start/")
    assert "Uw e-mailadres is bevestigd" in page.content()
    page.get_by_role("link", name="Organisatie registreren").click()

    page.locator("#id_name").fill("Windkracht Noord B.V.")
    page.locator("#id_kvk_number").fill("1234567")  # wrong on purpose: 7 digits
    page.locator("#id_kind").select_option("company")
    page.locator("#id_sector").select_option("D")
    page.locator("#id_city").fill("Groningen")
    page.locator("#id_employees").fill("650")
    page.locator("#id_figures_year").fill("2025")
    page.locator("#id_annual_turnover_eur").fill("52000000")
    page.locator("#id_balance_sheet_total_eur").fill("18000000")
    page.get_by_role("button", name="Opslaan").click()
    assert "precies 8 cijfers" in page.content()
    assert page.locator("#id_name").input_value() == "Windkracht Noord B.V."  # input kept
    assert_accessible(page, label="organisation form with error")
    screenshot(page, "foundation-03-kvk-error")
    page.locator("#id_kvk_number").fill("12345678")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/organisation/\d+/$"))
    assert page.get_by_test_id("size-class").inner_text() == "grote onderneming"
    assert_accessible(page, label="organisation detail")
    screenshot(page, "foundation-04-organisation")

    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("link", name="Inloggen").first.click()
    page.locator("#id_email, #id_username").first.fill("fatima@example.org")
    page.locator("#id_password").fill(PASSWORD)
    assert_accessible(page, label="login")
    page.locator("form").get_by_role("button", name="Inloggen").click()
    # A company user lands on their own start page: their registrations.
    page.wait_for_url(live_server.url + "/my/")
    assert page.get_by_role("link", name="Mijn organisatie").is_visible()
    page.goto("/")

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="View open missions").is_visible()
    assert_accessible(page, label="home in English")
    screenshot(page, "foundation-05-english")
