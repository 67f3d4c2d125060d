"""Anonymous pages touch no session and set no cookie, so a cache may keep them; logged-in pages
write the session at most once per ``SESSION_ACTIVITY_RESOLUTION``."""

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from brochures.tests.factories import published_brochure
from missions.tests.factories import MissionFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_paths():
    mission = MissionFactory()
    brochure, _version = published_brochure()
    return [
        "/",
        reverse("missions:list"),
        reverse("missions:list") + "?theme=energy&page=1",
        reverse("missions:detail", args=[mission.slug]),
        reverse("brochures:list"),
        reverse("brochures:detail", args=[brochure.slug]),
        "/privacy/",
        "/accessibility/",
        "/contact/",
        reverse("checkpoint_feed"),
        reverse("checkpoint_feed_atom"),
        reverse("checkpoint_feed_about"),
        "/does-not-exist/",
    ]


def test_anonymous_pages_set_no_cookie_and_store_no_session(client, public_paths):
    for path in public_paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert "Set-Cookie" not in response.headers, (path, response.cookies.keys())
        assert not response.cookies, (path, response.cookies.keys())
        assert "csrfmiddlewaretoken" not in response.content.decode(), path
    assert not Session.objects.exists()


def test_the_language_links_switch_the_language_without_a_form(client):
    body = client.get("/missions/").content.decode()
    assert 'href="/i18n/language/en/?next=/missions/"' in body
    link = reverse("language_switch", args=["en"]) + "?next=/missions/"
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/missions/"
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/missions/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_language_switch_only_returns_to_this_site(client, target):
    response = client.get(reverse("language_switch", args=["en"]), {"next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_unknown_language_is_refused(client):
    response = client.get(reverse("language_switch", args=["xx"]))
    assert response.status_code == 404 and not response.cookies


def test_a_busy_user_writes_the_session_once_per_resolution(client, settings, django_assert_max_num_queries):
    settings.SESSION_ACTIVITY_RESOLUTION = 60
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        client.force_login(UserFactory())
        session_key = client.session.session_key
        stored = Session.objects.get(pk=session_key).session_data
        for _ in range(5):
            clock.shift(11)  # 55 seconds of requests: no write
            assert client.get(reverse("accounts:profile")).status_code == 200
            assert Session.objects.get(pk=session_key).session_data == stored
        clock.shift(5)  # 60 seconds since the last stored activity: written once
        assert client.get(reverse("accounts:profile")).status_code == 200
        assert Session.objects.get(pk=session_key).session_data != stored
