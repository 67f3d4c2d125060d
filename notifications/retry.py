"""When an e-mail is tried again: backoff with jitter, and which SMTP errors are final.

A transient error (the server is down, slow, or answers 4xx) is tried again after 1, 2, 4, … minutes,
capped at 4 hours, each delay shifted by up to ±20% so that mail queued together does not hit a
recovering server together. After ``MAX_ATTEMPTS`` attempts (about a day) the message is failed.
A permanent error (5xx: the recipient or the message was refused) fails the message at once:
the same message to the same address will be refused again.
"""

import random
import re
import smtplib
from datetime import timedelta

from django.core.mail import BadHeaderError

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=4)
JITTER = 0.2
# 13 waits of 1, 2, 4, … 128 minutes then 4 hours: about 24 hours from the first to the last attempt.
MAX_ATTEMPTS = 14
ERROR_MAX_LENGTH = 300


def retry_delay(attempts: int, *, rand: float | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th attempt failed (1 → about a minute)."""
    base = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    rand = random.random() if rand is None else rand
    return base * (1 + JITTER * (2 * rand - 1))


def total_backoff() -> timedelta:
    """The time between the first and the last attempt without jitter (documented as "about a day")."""
    return sum((min(BACKOFF_BASE * 2 ** (n - 1), BACKOFF_CAP) for n in range(1, MAX_ATTEMPTS)), timedelta())


def _is_permanent_code(code) -> bool:
    return isinstance(code, int) and 500 <= code < 600


def error_is_permanent(exc: BaseException) -> bool:
    """True when trying the same message again cannot help.

    Only refusals of this message count: every recipient refused with 5xx (smtplib raises only
    when all of them were; mail to the others goes out), the message refused after DATA with 5xx,
    or a header that cannot be sent. A refused sender or login is the portal's configuration, which
    an operator fixes for all mail at once, so it is retried like an outage.
    """
    if isinstance(exc, BadHeaderError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _response in exc.recipients.values()]
        return bool(codes) and all(_is_permanent_code(code) for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return _is_permanent_code(exc.smtp_code)
    return False


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())


def error_summary(exc: BaseException) -> str:
    """A short, single-line description for staff: the server's answer, never a traceback or the body."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{address} ({code} {_text(response)})" for address, (code, response) in exc.recipients.items()]
        summary = "Recipients refused: " + "; ".join(parts)
    elif isinstance(exc, smtplib.SMTPResponseException):
        summary = f"{exc.__class__.__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    else:
        summary = f"{exc.__class__.__name__}: {_text(exc)}" if str(exc) else exc.__class__.__name__
    # A URL with credentials (user:password@host) must not reach the page.
    summary = re.sub(r"//[^/\s@]+@", "//***@", summary)
    if len(summary) > ERROR_MAX_LENGTH:
        summary = summary[: ERROR_MAX_LENGTH - 1] + "…"
    return summary
