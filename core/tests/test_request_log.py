"""JSON log lines (core/log_format.py, core/request_log.py) and the Sentry scrubbing (core/error_reporting.py)."""

import json
import logging

import pytest
from django.test import Client

from core.error_reporting import before_send
from core.log_format import JsonFormatter, RequestContextFilter, log_context
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_log():
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(self.format(record)))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("imvo.request")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_one_line_per_request_with_route_status_duration_and_user_id(request_log, settings):
    user = UserFactory(email="someone.private@example.org")
    client = Client()
    client.force_login(user)
    response = client.get("/accounts/profile/")
    [line] = request_log
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == user.pk
    assert line["http"]["route"] == "accounts/profile/"
    assert line["http"]["status"] == response.status_code == 200
    assert line["http"]["method"] == "GET" and line["http"]["duration_ms"] >= 0
    assert line["time"].endswith("+00:00") and line["time"][10] == "T"
    assert "someone.private" not in json.dumps(line)


def test_the_route_is_the_pattern_never_the_path_with_its_token(request_log):
    Client().get("/accounts/confirm/SECRET-TOKEN-123/")
    [line] = request_log
    assert line["http"]["route"] == "accounts/confirm/<str:token>/"
    assert "SECRET-TOKEN-123" not in json.dumps(line)
    assert "user_id" not in line  # anonymous


def test_the_formatter_redacts_tokens_in_messages_and_exceptions():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Not Found: /accounts/reset/abc/def-123/", None, None)
    try:
        raise ValueError("/organisation/invitations/SECRETINVITE/ failed")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert "def-123" not in line["message"] and "[redacted]" in line["message"]
    assert "SECRETINVITE" not in line["exception"]


def test_a_task_log_line_names_the_task():
    token = log_context.set({"task_id": "abc", "task_name": "declarations.tasks.checkpoint_hourly"})
    try:
        record = logging.LogRecord("celery", logging.INFO, __file__, 1, "done", None, None)
        RequestContextFilter().filter(record)
    finally:
        log_context.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["task_id"] == "abc" and line["task_name"] == "declarations.tasks.checkpoint_hourly"


def test_sentry_events_carry_no_personal_data_and_the_request_id():
    token = log_context.set({"request_id": "req-123"})
    try:
        event = before_send(
            {
                "request": {
                    "url": "https://portal.example/accounts/confirm/TOKEN42/",
                    "data": {"password": "x"},
                    "cookies": {"sessionid": "s"},
                    "headers": {"Cookie": "sessionid=s", "User-Agent": "UA", "Authorization": "Bearer t"},
                    "query_string": "email=a@b.example",
                },
                "user": {"id": 7, "email": "a@b.example", "ip_address": "192.0.2.1"},
                "message": "failed for /organisation/invitations/INVITE9/",
            }
        )
    finally:
        log_context.reset(token)
    assert event["user"] == {"id": 7}
    assert set(event["request"]) == {"url", "headers"} and event["request"]["headers"] == {"User-Agent": "UA"}
    assert "TOKEN42" not in json.dumps(event) and "INVITE9" not in json.dumps(event)
    assert event["tags"]["request_id"] == "req-123"
