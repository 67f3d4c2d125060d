"""Forms in Chromium: the error summary takes focus and its links lead to the fields, the title says
"Fout:", long text shows a live counter, and the step indicator stays on one line at 1280 px."""

import pytest
from django.core.management import call_command

from missions.models import Registration
from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.factories import DEMO_INSTRUMENTS

pytestmark = pytest.mark.django_db(transaction=True)


def test_error_summary_counter_and_step_indicator(page, live_server):
    call_command("seed_demo", companies=2, instruments=DEMO_INSTRUMENTS, force=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "bedrijf1@demo.example")
    page.goto("/missions/waterstof-japan/register/")
    page.locator("input[name=organisation]").first.check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/step/2/")

    # The step indicator: one line at 1280 px, "Stap 2 van 5", the current step marked.
    tops = page.eval_on_selector_all(
        ".registration-steps > li", "items => items.map(i => i.getBoundingClientRect().top)"
    )
    assert len(tops) == 5 and max(tops) - min(tops) < 2, tops
    assert "Stap 2 van 5" in page.locator(".registration-progress").inner_text()
    assert page.locator("[aria-current=step]").inner_text().startswith("2.")

    # The live counter of the motivation.
    counter = page.locator("#id_motivation_counter")
    assert counter.get_attribute("aria-live") == "polite"
    page.locator("#id_motivation").fill("a" * 2990)
    page.wait_for_function("() => document.getElementById('id_motivation_counter').textContent.includes('10')")
    assert "U heeft nog 10 tekens over" in counter.inner_text()
    page.locator("#id_motivation").fill("a" * 3005)
    page.wait_for_function("() => document.getElementById('id_motivation_counter').textContent.includes('te veel')")
    assert "U heeft 5 tekens te veel" in counter.inner_text()

    # A failed submit: the summary is focused, announced, and its links move focus to the field.
    page.locator("#id_p1_name").fill("Anna Bakker")
    page.locator("#id_p1_email").fill("anna-at-example")
    page.locator("button[value=next]").click()
    page.wait_for_url("**/step/2/")
    assert page.title().startswith("Fout: ")
    summary = page.locator("[data-error-summary]")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    assert "Er is een probleem" in summary.inner_text()
    screenshot(page, "forms-error-summary")
    assert_accessible(page, label="error summary")
    summary.locator("a[href='#id_p1_email']").click()
    assert page.evaluate("() => document.activeElement.id") == "id_p1_email"
    # The text typed is still there, in full (3005 characters), with the error on the field.
    assert len(page.locator("#id_motivation").input_value()) == 3005
    registration = Registration.objects.get(organisation__memberships__user__email="bedrijf1@demo.example")
    assert registration.draft_step == 2

    # Back after the failed submit does not ask to resubmit a form: it is a plain page load.
    page.go_back()
    assert "/register/" in page.url
