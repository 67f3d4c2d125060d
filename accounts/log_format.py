"""Log formatting that is safe to load before the apps (LOGGING is configured first).

``JsonFormatter`` writes one JSON object per line; ``TokenRedactingFilter`` scrubs the secret
parts of link paths (e-mail confirmation, password reset, invitation, account deletion) from every
log record, such as Django's "Not Found: /accounts/confirm/<token>/", so no token reaches a log.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

_SECRET_PATHS = [
    (re.compile(r"(/accounts/confirm/)[^/\s?\"']+"), r"\1[redacted]"),
    (re.compile(r"(/accounts/reset/)[^/\s?\"']+/[^/\s?\"']+"), r"\1[redacted]/[redacted]"),
    (re.compile(r"(/organisation/invitations/)[^/\s?\"']+"), r"\1[redacted]"),
    (re.compile(r"(/accounts/delete/)[^/\s?\"']+"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    """``text`` with the token parts of secret link paths replaced."""
    for pattern, replacement in _SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's ``security`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        data.update(getattr(record, "security", {}) or {})
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
