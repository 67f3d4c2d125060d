"""Pages for a logged-in person are never cached: ``Cache-Control: no-store`` over the whole URL
configuration (``accounts.middleware.PrivateResponseMiddleware``); the crawl in ``test_crawl.py``
checks the same on every page each role reaches with real data."""

import pytest
from django.test import Client

from tests.crawl import all_url_paths
from tests.factories import StaffUserFactory, UserFactory
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db
# Paths that end the session or switch the language are not pages of the person.
SKIP = ("/accounts/logout/", "/i18n/", "/static/")


def _get_all(client: Client) -> dict[str, str]:
    answers = {}
    for path in all_url_paths():
        if path.startswith(SKIP):
            continue
        response = client.get(path)
        answers[path] = response.get("Cache-Control", "")
    return answers


@pytest.mark.parametrize("role", ["company", "staff"])
def test_every_url_answers_a_logged_in_person_with_no_store(role):
    client = Client(raise_request_exception=False)
    if role == "staff":
        login_staff(client, StaffUserFactory())
    else:
        client.force_login(UserFactory())
    answers = _get_all(client)
    assert len(answers) > 100  # the whole URL configuration, not a handful
    missing = sorted(path for path, value in answers.items() if "no-store" not in value)
    assert not missing, f"without no-store: {missing}"


def test_a_logged_in_person_pending_the_second_factor_gets_no_store_too():
    client = Client(raise_request_exception=False)
    staff = StaffUserFactory()
    client.force_login(staff)  # password passed, no second factor yet
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


def test_public_pages_for_anonymous_visitors_keep_their_own_caching(client):
    response = client.get("/missions/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
