"""axe and reflow on every page of every role, in Chromium.

For each role (anonymous, company, RVO staff, ministry) the pages are the ones the crawl of
tests/crawl.py reaches from the start page (the same links a person can follow; one page per URL
pattern and query shape), plus the error state of the role's forms after a failed submit. Every
page is checked with axe-core at 1280 px and at 375 px, failing on a violation of any impact, and
at 320 CSS px the page must not scroll sideways (WCAG 1.4.10). The journeys in the other e2e
files run the same check on each step (``assert_accessible``).

Exceptions, each kept on purpose:
- Django's own admin (``/admin/``) is not checked: it is Django's markup, used only by operators
  (superusers), and not a page of any of these roles; the crawl never enters it.
- Downloads (PDF, CSV, XLSX, ICS) are not HTML pages: the crawl fetches them once (no 404/500) and
  the browser does not open them.
"""

import re

import pytest
from django.test import Client

from tests.crawl import ROLES, crawl, log_in, seed_crawl_state
from tests.e2e.conftest import PHONE, SCREENSHOTS, accessibility_problems, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

# Forms shown in their error state: (role, path or a callable giving it, what to submit). The form is
# submitted with the browser's own validation off, as a screen reader user or an old browser would.
ERROR_FORMS = {
    "anonymous": ["/accounts/signup/", "/accounts/login/", "/accounts/password_reset/"],
    "company": ["/organisation/new/", "draft-step-2"],
    "staff": ["/staff/missions/new/"],
    "ministry": ["/accounts/password_change/"],
}


def _draft_step_2() -> str:
    from missions.constants import RegistrationStatus
    from missions.models import Registration

    draft = Registration.objects.get(
        status=RegistrationStatus.DRAFT, organisation__memberships__user__email=ROLES["company"]
    )
    return f"/missions/{draft.mission.slug}/register/{draft.pk}/step/2/"


def submit_empty(page) -> None:
    """Clear the main form's text fields and submit it without the browser's validation."""
    page.evaluate(
        """() => {
          const form = [...document.querySelectorAll('main form')].find(f => f.method === 'post');
          form.noValidate = true;
          form.querySelectorAll('input[type=text], input[type=email], input[type=password], textarea')
              .forEach(el => { el.value = ''; });
        }"""
    )
    with page.expect_navigation():
        page.locator("main form[method=post] [type=submit]").last.click()


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_passes_axe_and_reflows_for(role, page, live_server):
    seed_crawl_state()
    client = Client()
    log_in(client, role)
    pages = crawl(client, per_pattern=1, by_query=False).pages
    assert len(pages) >= 5, pages
    if ROLES[role]:
        login(page, ROLES[role])

    problems = []
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        problems += accessibility_problems(page, label=path)

    for target in ERROR_FORMS[role]:
        path = _draft_step_2() if target == "draft-step-2" else target
        page.goto(path)
        submit_empty(page)
        problems += accessibility_problems(page, label=f"{path} after a failed submit")

    # The start page in English: the language switch is a form button on every page.
    page.goto("/")
    page.locator("form.language-switch button[value=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    problems += accessibility_problems(page, label="/ (English)")

    assert not problems, f"{len(problems)} accessibility problems for {role}:\n" + "\n".join(problems)


def test_screenshots_at_phone_width(page, live_server):
    """Screenshots for people to look at: the error summary after a failed form, the registration
    confirmation page and the ministry dashboard, at 375 px (test-artifacts/screenshots/)."""
    seed_crawl_state()
    page.set_viewport_size(PHONE)
    login(page, ROLES["company"])
    page.goto(_draft_step_2())
    submit_empty(page)
    assert page.locator(".invalid-feedback, .errorlist, .alert-danger").count() > 0
    screenshot(page, "error-summary-375", folder=SCREENSHOTS)

    page.goto("/my/")
    page.locator("main a[href^='/my/registrations/']").first.click()
    page.wait_for_url(re.compile(r".*/my/registrations/\d+/$"))
    screenshot(page, "confirmation-375", folder=SCREENSHOTS)

    page.context.clear_cookies()
    login(page, ROLES["ministry"])
    page.goto("/dashboard/")
    screenshot(page, "dashboard-375", folder=SCREENSHOTS)
