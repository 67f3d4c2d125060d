"""Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

Every test gets a screenshot under test-artifacts/e2e/ at the end, and ``assert_accessible``
runs the vendored axe-core at desktop width and at 375 px and fails on any violation (any impact),
and on sideways scrolling at 320 CSS px.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in this thread; the ORM calls in tests are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
# Screenshots people look at (the "Done when"): the error summary, the confirmation, the dashboard.
SCREENSHOTS = ARTIFACTS.parent / "screenshots"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", accept_downloads=True, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.shots = []
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()


def screenshot(page, label: str, *, folder: Path = ARTIFACTS) -> Path:
    """Save a named screenshot of the current step (under test-artifacts/e2e/ unless told)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', label)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# The widths every page is checked at: desktop and a phone for axe; 320 CSS px for reflow (WCAG
# 1.4.10: 1280 px at 400% zoom), where nothing may scroll sideways.
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
REFLOW_WIDTH = 320
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


# What Chromium says when a navigation started by the step before replaces the document while
# axe is reading it: the check is then run again on the page that arrived.
_AXE_RUN = (
    "async (tags) => await axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: tags}})"
)
_NAVIGATED_AWAY = ("Execution context was destroyed", "reading 'documentElement'", "axe is not defined")


def axe_violations(page) -> list[dict]:
    """All axe-core violations (any impact) of the page as it is now.

    A click that navigates returns before the new page is there; when the old document goes away
    under axe, wait for the new one to load and check that (once).
    """
    from playwright.sync_api import Error as PlaywrightError

    for attempt in (1, 2):
        page.wait_for_load_state("load")
        try:
            if not page.evaluate("() => typeof window.axe !== 'undefined'"):
                page.evaluate(AXE_SOURCE)
            results = page.evaluate(_AXE_RUN, AXE_TAGS)
            return results["violations"]
        except PlaywrightError as error:
            if attempt == 2 or not any(sign in str(error) for sign in _NAVIGATED_AWAY):
                raise
    raise AssertionError("unreachable")


def horizontal_overflow(page) -> list[str]:
    """At the current width: how far the page is wider than the window, and the elements sticking out."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth;
          const doc = document.documentElement;
          if (doc.scrollWidth <= width) return [];
          const out = [`scrollWidth ${doc.scrollWidth} > innerWidth ${width}`];
          for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right > width + 1 && r.width > 0 && !el.closest('.table-responsive')) {
              const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
              out.push(`${name}.${[...el.classList].join('.')} right=${Math.round(r.right)}`);
              if (out.length > 6) break;
            }
          }
          return out;
        }"""
    )


def accessibility_problems(page, *, label: str = "") -> list[str]:
    """axe (any impact) at desktop width and at 375 px, and reflow at 320 px, of the page as it is.

    The viewport is put back to desktop width afterwards. Returns readable problem lines.
    """
    label = label or page.url
    problems = []
    original = page.viewport_size or DESKTOP
    for name, size in (("desktop", DESKTOP), ("375px", PHONE)):
        page.set_viewport_size(size)
        for v in axe_violations(page):
            targets = [n["target"] for n in v["nodes"]][:5]
            problems.append(f"{label} [{name}] {v['id']} ({v['impact']}): {v['help']} -> {targets}")
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 640})
    overflow = horizontal_overflow(page)
    if overflow:
        problems.append(f"{label} [320px] scrolls sideways: {overflow}")
    page.set_viewport_size(original)
    return problems


def assert_accessible(page, *, label: str = "") -> None:
    """Fail on any axe violation (any impact) at desktop and 375 px, or sideways scrolling at 320 px."""
    problems = accessibility_problems(page, label=label)
    assert not problems, "accessibility problems:\n" + "\n".join(problems)


def login(page, email: str, password: str = "imvo-demo") -> None:
    """Log in through the real login form (demo accounts share the password ``imvo-demo``).

    Staff, ministry and admin accounts then get the two-step verification page: the helper types
    the code their authenticator would show, computed here from the device's secret.
    """
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"login failed for {email}"
    if "/accounts/mfa/verify/" in page.url:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tests.mfa import totp_code

        device = TOTPDevice.objects.get(user__email=email.strip().lower(), confirmed=True)
        page.locator("#id_code").fill(totp_code(device))
        page.locator("main form [type=submit]").first.click()
        page.wait_for_load_state()
        assert "/accounts/mfa/" not in page.url, f"second factor refused for {email}"
