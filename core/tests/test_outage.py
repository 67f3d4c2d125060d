"""The outage page (core/outage.py) and the 500 page: status, Retry-After, request id, true words."""

import json
import logging
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection
from django.test import Client

from core.log_format import JsonFormatter, RequestContextFilter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOTHING_SENT = "You were only viewing a page: nothing was sent."
NOT_STORED = "What you submitted has NOT been stored."
UNKNOWN = "We cannot tell whether what you submitted has been stored."


@pytest.fixture
def client(settings):
    settings.ROOT_URLCONF = "core.tests.outage_urls"
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _database_gone(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


def _assert_outage(response, settings, says: str):
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "The portal is temporarily unavailable" in body
    assert says in body
    for other in {NOTHING_SENT, NOT_STORED, UNKNOWN} - {says}:
        assert other not in body
    assert "has been lost" not in body
    assert f"<code data-request-id>{response['X-Request-ID']}</code>" in body


def test_a_logged_in_user_gets_the_portals_503_page_when_the_session_cannot_be_read(client, settings):
    client.force_login(UserFactory())
    with connection.execute_wrapper(_database_gone):
        response = client.get("/accounts/profile/")
    _assert_outage(response, settings, NOTHING_SENT)


def test_an_anonymous_read_that_fails_says_nothing_was_sent(client, settings):
    _assert_outage(client.get("/read-fails/"), settings, NOTHING_SENT)


def test_a_post_that_never_reached_the_database_was_not_stored(client, settings):
    client.force_login(UserFactory())
    with connection.execute_wrapper(_database_gone):
        response = client.post("/accounts/profile/", {"full_name": "X"})
    _assert_outage(response, settings, NOT_STORED)


def test_a_post_whose_transaction_failed_was_not_stored(client, settings):
    _assert_outage(client.post("/write-rolled-back/"), settings, NOT_STORED)
    assert not Session.objects.filter(session_key="outage-rolled-back").exists()


def test_a_post_that_committed_before_failing_does_not_claim_it_was_not_stored(client, settings):
    _assert_outage(client.post("/write-committed-then-fails/"), settings, UNKNOWN)
    assert Session.objects.filter(session_key="outage-committed").exists()


def test_a_write_in_autocommit_then_a_failure_is_unknown(client, settings):
    _assert_outage(client.post("/write-in-autocommit-fails/"), settings, UNKNOWN)


def test_a_commit_cut_off_midway_is_unknown(client, settings):
    with mock.patch.object(connection, "_commit", side_effect=OperationalError("connection lost during COMMIT")):
        response = client.post("/write-commit-cut-off/")
    _assert_outage(response, settings, UNKNOWN)


@pytest.fixture
def json_log():
    """The JSON lines that django.request writes, formatted as in production."""
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(self.format(record)))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_a_500_shows_the_request_id_in_the_page_and_in_the_json_log_line(client, json_log):
    user = UserFactory()
    client.force_login(user)
    response = client.get("/bug/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    body = response.content.decode()
    assert "Something went wrong" in body and f"<code data-request-id>{request_id}</code>" in body
    assert NOTHING_SENT in body
    [line] = [line for line in json_log if line.get("request_id") == request_id]
    assert line["level"] == "ERROR" and line["logger"] == "django.request"
    assert "RuntimeError: a bug, not an outage" in line["exception"]
    assert line["time"].endswith("+00:00")
    assert line["user_id"] == user.pk  # by id, never by e-mail address
    assert user.email not in json.dumps(line)


def test_a_500_on_a_post_never_claims_nothing_was_lost(client):
    response = client.post("/bug/")
    assert response.status_code == 500
    body = response.content.decode()
    assert NOT_STORED in body and "has been lost" not in body


def _assert_api_problem(response, status: int):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank"
    assert body["request_id"] == response["X-Request-ID"]
    assert "<html" not in response.content.decode().lower()
    return body


def test_an_api_request_in_an_outage_gets_a_503_problem_not_the_html_page(client, settings):
    response = client.get("/api/read-fails/")
    body = _assert_api_problem(response, 503)
    assert response["Retry-After"] == str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    assert body["title"] == "Temporarily unavailable"
    assert body["instance"] == "/api/read-fails/"
    assert "Nothing was changed." in body["detail"]


def test_an_api_write_says_truly_whether_it_was_stored(client):
    assert "was NOT stored" in _assert_api_problem(client.post("/api/write-rolled-back/"), 503)["detail"]
    unknown = _assert_api_problem(client.post("/api/write-committed-then-fails/"), 503)["detail"]
    assert "cannot tell whether the request was stored" in unknown and "NOT stored" not in unknown


def test_an_api_bug_is_a_500_problem_with_the_request_id(client):
    body = _assert_api_problem(client.get("/api/bug/"), 500)
    assert body["title"] == "Internal server error" and "detail" not in body


def test_an_api_client_whose_token_cannot_be_read_gets_a_503_problem(settings):
    """A real API view: the bearer token is looked up in the database, which is gone."""
    from api.services import api_client_create
    from tests.factories import StaffUserFactory

    settings.API_RATE_LIMIT = "10000/min"
    client, secret = api_client_create(actor=StaffUserFactory(), name="CRM", scopes=["missions:read"])
    http = Client(raise_request_exception=False)
    token = http.post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret},
    ).json()["access_token"]
    with connection.execute_wrapper(_database_gone):
        response = http.get("/api/v1/missions/", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    body = _assert_api_problem(response, 503)
    assert response["Retry-After"] == str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    assert "Nothing was changed." in body["detail"]
