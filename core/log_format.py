"""Log lines as JSON, safe to load before the apps (LOGGING is configured first).

Every process of the portal (web, gunicorn's own lines, worker, beat, commands) writes one JSON
object per line with the same fields: ``time`` (UTC, ISO 8601 with milliseconds), ``level``,
``logger``, ``message``; in a request also ``request_id`` and ``user_id`` (never an e-mail
address), in a Celery task ``task_id`` and ``task_name``; plus the record's own structured fields
(``security`` of the security log, ``http`` of the request log).

``TokenRedactingFilter`` scrubs the secret parts of link paths (e-mail confirmation, password
reset, invitation, account deletion) from every record, such as Django's "Not Found:
/accounts/confirm/<token>/", and the formatter scrubs exception texts the same way, so no token
ever reaches a log.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

_SECRET_PATHS = [
    (re.compile(r"(/accounts/confirm/)[^/\s?\"']+"), r"\1[redacted]"),
    (re.compile(r"(/accounts/reset/)[^/\s?\"']+/[^/\s?\"']+"), r"\1[redacted]/[redacted]"),
    (re.compile(r"(/organisation/invitations/)[^/\s?\"']+"), r"\1[redacted]"),
    (re.compile(r"(/accounts/delete/)[^/\s?\"']+"), r"\1[redacted]"),
]

#: Fields a record may carry as ``extra=`` that the JSON line includes (structured, not in the message).
STRUCTURED_FIELDS = ("security", "http", "task")

#: What the current request or task adds to every line logged while it runs (core/request_log.py).
log_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("log_context", default=None)


def redact(text: str) -> str:
    """``text`` with the token parts of secret link paths replaced."""
    for pattern, replacement in _SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return text


def utc_timestamp(created: float) -> str:
    """The one timestamp format of every log line: ``2026-12-06T14:21:39.123+00:00``."""
    return datetime.fromtimestamp(created, tz=UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context and structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in ("request_id", "user_id", "task_id", "task_name"):
            value = getattr(record, key, None)
            if value is not None:
                data[key] = value
        security = getattr(record, "security", None)
        if security:
            data.update(security)  # the security log's fields sit at the top level (accounts/security_log.py)
        for key in STRUCTURED_FIELDS[1:]:
            value = getattr(record, key, None)
            if value:
                data[key] = value
        if record.exc_info:
            data["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(data, default=str, ensure_ascii=False)


class TokenRedactingFilter(logging.Filter):
    """Scrub link tokens from any log record before a handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RequestContextFilter(logging.Filter):
    """Adds the current request's id and user id (or task id and name) to the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = log_context.get()
        if context:
            for key, value in context.items():
                if callable(value):  # evaluated when logged: the user is known only after authentication
                    value = value()
                if value is not None and not hasattr(record, key):
                    setattr(record, key, value)
        return True
