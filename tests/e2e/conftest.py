"""Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

Every test gets a screenshot under test-artifacts/e2e/ at the end, and ``assert_accessible``
runs the vendored axe-core and fails on serious or critical violations.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in this thread; the ORM calls in tests are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
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
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", accept_downloads=True)
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


def screenshot(page, label: str) -> Path:
    """Save a named screenshot of the current step."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', label)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page, *, label: str = "") -> list[dict]:
    """Run axe-core on the page; fail on serious or critical violations. Returns all violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'], "
        "runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    detail = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in bad
    )
    assert not bad, f"axe found serious/critical violations on {label or page.url}:\n{detail}"
    return results["violations"]


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
