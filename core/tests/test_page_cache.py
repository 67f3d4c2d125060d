"""Anonymous catalogue, mission and brochure pages are served from the cache per language and
retired on publish/edit; logged-in users and pages with messages are always live."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.urls import reverse

from brochures.constants import Channel
from brochures.models import BrochureDailyCount
from brochures.tests.factories import published_brochure
from core.page_cache import canonical_query
from missions.services import mission_update
from missions.tests.factories import MissionFactory
from tests.factories import StaffUserFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60


def test_the_catalogue_is_cached_per_language_and_retired_on_edit(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    mission = MissionFactory(title_nl="Waterstof Japan")
    url = reverse("missions:detail", args=[mission.slug])
    assert "Waterstof Japan" in client.get(url).text
    with django_assert_num_queries(0):  # served from the cache: no database at all
        cached = client.get(url)
    assert cached.status_code == 200 and "Waterstof Japan" in cached.text and not cached.cookies
    assert cached["Content-Language"] == "nl" and "Content-Security-Policy" in cached

    english = client.get(url, HTTP_COOKIE="django_language=en")
    assert '<html lang="en">' in english.text  # its own entry, not the Dutch page

    with django_capture_on_commit_callbacks(execute=True):
        mission_update(actor=StaffUserFactory(), mission=mission, data={"title_nl": "Waterstof en ammoniak Japan"})
    assert "Waterstof en ammoniak Japan" in client.get(url).text


def test_logged_in_pages_are_live(client):
    mission = MissionFactory(title_nl="Eerste titel")
    url = reverse("missions:list")
    assert "Eerste titel" in client.get(url).text
    client.force_login(member_of())
    type(mission).objects.filter(pk=mission.pk).update(title_nl="Tweede titel")  # no service: no invalidation
    assert "Tweede titel" in client.get(url).text


def test_a_page_showing_someones_message_is_not_cached(client):
    MissionFactory()
    url = reverse("missions:list")
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.INFO, "Melding voor deze bezoeker")])
    assert "Melding voor deze bezoeker" in client.get(url).text
    assert "Melding voor deze bezoeker" not in Client().get(url).text


def test_a_page_that_added_and_showed_a_message_is_not_cached(client):
    MissionFactory(title_nl="Waterstof Japan")
    url = reverse("missions:list") + "?state=ongeldig"
    warned = client.get(url)  # the invalid filter's warning is added and shown in the same request
    assert warned.status_code == 200 and "Waterstof Japan" in warned.text
    assert not [key for key in cache._cache if "pagecache:missions:" in key]


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("a=&b=", ""),
        ("a=1&a=3", "a=3"),
        ("x=1&a=%20%20two%20%20words%20", "a=two+words"),
        ("page=1", ""),
        ("page=0", ""),
        ("page=-2", ""),
        ("page=last", ""),
        ("page=0012", "page=12"),
        ("page=1234567", ""),
        ("a=caf%C3%A9&page=3", "a=caf%C3%A9&page=3"),
    ],
)
def test_canonical_query_keeps_the_known_parameters_in_one_form(query, canonical):
    assert canonical_query(QueryDict(query), ("a", "b", "page")) == canonical
    assert canonical_query(QueryDict(canonical), ("a", "b", "page")) == canonical  # a fixed point: no loop


def test_brochure_reads_served_from_the_cache_are_counted(client, django_capture_on_commit_callbacks):
    published_brochure()
    url = reverse("brochures:detail", args=["imvo"])
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert BrochureDailyCount.objects.get(channel=Channel.ONLINE).count == 3
    with django_capture_on_commit_callbacks(execute=True):
        published_brochure(bodies=("Nieuwe tekst.",))
    assert "Nieuwe tekst." in client.get(url).text


def _wsgi(app, path, **extra):
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", **extra)
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(headers)

    # As Django's test client does: the test's transaction keeps its connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(app(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return captured["status"], captured["headers"], body


def test_the_wsgi_layer_answers_a_repeat_without_django(django_capture_on_commit_callbacks):
    from django.core.handlers.wsgi import WSGIHandler

    from core.page_cache import PageCacheApp

    published_brochure()
    calls = []
    django_app = WSGIHandler()

    def counting(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return django_app(environ, start_response)

    app = PageCacheApp(counting)
    url = reverse("brochures:detail", args=["imvo"])
    first = _wsgi(app, url)
    second = _wsgi(app, url)
    assert first[0] == second[0] == "200 OK" and first[2] == second[2]
    assert calls == [url]  # the second came from memory, with the middleware's headers
    assert second[1]["Content-Security-Policy"] == first[1]["Content-Security-Policy"]
    assert second[1]["X-Request-ID"] != first[1]["X-Request-ID"]
    assert BrochureDailyCount.objects.get(channel=Channel.ONLINE).count == 2  # both reads counted
    english = _wsgi(app, url, HTTP_COOKIE="django_language=en")
    assert english[2] != first[2] and len(calls) == 2
    _wsgi(app, url, HTTP_COOKIE="sessionid=abc")  # a session: always through Django
    assert len(calls) == 3
    with django_capture_on_commit_callbacks(execute=True):
        published_brochure(bodies=("Nieuwe tekst.",))
    assert b"Nieuwe tekst." in _wsgi(app, url)[2] and len(calls) == 4
