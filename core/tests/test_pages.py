import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_is_dutch_by_default_and_english_after_switch(client):
    body = client.get("/").content.decode()
    assert '<html lang="nl">' in body and "Bekijk open missies" in body
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body and "View open missions" in body


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("en-US", "en"),
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("de-DE,fr;q=0.5", "nl"),
        ("", "nl"),
    ],
)
def test_visitor_without_a_choice_gets_the_browser_language(client, accept_language, expected):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE=accept_language).content.decode()
    assert f'<html lang="{expected}">' in body


def test_the_language_switch_beats_the_browser_language(client):
    client.post(reverse("set_language"), {"language": "nl", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en-GB")
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="nl">' in body and "Bekijk open missies" in body


@pytest.mark.parametrize("path", ["/privacy/", "/accessibility/", "/contact/", "/accounts/login/", "/accounts/signup/"])
def test_public_pages_render_with_skip_link_and_footer(client, path):
    body = client.get(path).content.decode()
    assert 'href="#main"' in body and "Privacyverklaring" in body


def test_404_page_uses_portal_look(client):
    response = client.get("/does-not-exist/")
    assert response.status_code == 404
    body = response.content.decode()
    # The portal's own page (DEBUG is off in production and in tests): no list of URL patterns.
    assert "Pagina niet gevonden" in body and "URLconf" not in body and "admin/" not in body


def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_inline_scripts_in_base_template(client):
    import re

    body = client.get("/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)


def test_session_idle_timeout_logs_out(client, settings):
    import time

    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("accounts:profile")).status_code == 200
    session = client.session
    session["_last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("nl", ["Zoek een EZK-instrument", "Doorzoek het instrumentenregister"]),
        ("en", ["Find an EZK instrument", "Search the instruments registry"]),
    ],
)
def test_home_leads_to_the_instruments_registry_beside_the_missions(client, language, names):
    body = client.get("/", HTTP_COOKIE=f"django_language={language}").content.decode()
    registry = reverse("instruments:list")
    for name in names:
        assert f'href="{registry}">{name}</a>' in body
    assert body.index(reverse("missions:list")) < body.index(registry)  # right after the missions
    assert 'aria-labelledby="h-instruments"' in body and 'id="h-instruments"' in body
