"""Every page each role can reach by following links from the start page answers without 404 or 500.

Django's test client, no services needed (runs in ``make test`` on SQLite). Each URL pattern is
visited a few times (tests/crawl.py), which keeps the crawl to a few seconds per role.
"""

import pytest

from tests.crawl import ROLES, crawl, log_in, pattern_of, seed_crawl_state

pytestmark = pytest.mark.django_db

# What each role must at least reach, so that a crawl stopped early (a broken start page, a lost
# session) cannot pass by visiting nothing.
MUST_REACH = {
    "anonymous": {"missions:list", "missions:detail", "brochures:detail", "accounts:login", "privacy"},
    "company": {"my:overview", "my:registration", "missions:register_step", "organisations:detail"},
    "staff": {"staff:overview", "staff:mission_detail", "staff:registration_detail", "staff:session_detail"},
    "ministry": {"dashboard:index"},
}


@pytest.fixture(scope="module")
def crawl_state(django_db_setup, django_db_blocker):
    """The demo data seeded once for the module's crawls, in a transaction rolled back at its end.

    Each test runs in a savepoint inside it (pytest-django's ``db``), so what a crawl changes (a
    login, a session) is undone before the next one; seeding per test cost ~10 s each, eight times.
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed_crawl_state()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("role", list(ROLES))
def test_every_linked_page_answers_for(role, language, crawl_state, client, settings):
    log_in(client, role)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    result = crawl(client)
    assert f'<html lang="{language}"' in client.get("/").text
    assert not result.broken, f"broken links for {role}:\n{result.report()}"
    reached = {pattern_of(v.path).split("?")[0] for v in result.visits if v.status == 200}
    assert MUST_REACH[role] <= reached, f"{role} did not reach {MUST_REACH[role] - reached}"
    if role != "anonymous":  # a logged-in person's pages are never stored by a browser or proxy
        stored = [v.path for v in result.visits if v.status != 404 and "no-store" not in v.cache_control]
        assert not stored, f"pages of {role} without Cache-Control: no-store: {stored}"


def test_the_crawl_reports_a_broken_link(client, monkeypatch):
    """The crawl itself: a link to a page that does not exist is reported with where it was found."""
    from django.test import Client

    pages = {"/": '<a href="/missions/">ok</a> <a href="/nowhere/">broken</a> <a href="https://example.org/">x</a>'}

    class Fake(Client):
        def get(self, path, *args, **kwargs):
            if path in pages:
                from django.http import HttpResponse

                return HttpResponse(pages[path])
            return super().get(path, *args, **kwargs)

    result = crawl(Fake())
    assert [(v.path, v.status, v.found_on) for v in result.broken] == [("/nowhere/", 404, "/")]
    assert "/missions/" in result.pages
