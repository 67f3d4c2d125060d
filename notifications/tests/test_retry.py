import smtplib
from datetime import timedelta

import pytest
from django.core.mail import BadHeaderError

from notifications.retry import (
    BACKOFF_CAP,
    ERROR_MAX_LENGTH,
    MAX_ATTEMPTS,
    error_is_permanent,
    error_summary,
    retry_delay,
    total_backoff,
)


def test_delay_doubles_from_a_minute_and_is_capped():
    middle = [retry_delay(n, rand=0.5) for n in range(1, MAX_ATTEMPTS + 1)]
    assert middle[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(middle) == BACKOFF_CAP == middle[-1]


@pytest.mark.parametrize("attempts", [1, 5, 13])
def test_jitter_stays_within_twenty_percent(attempts):
    middle = retry_delay(attempts, rand=0.5)
    assert retry_delay(attempts, rand=0.0) == middle * 0.8
    assert retry_delay(attempts, rand=1.0) == middle * 1.2
    assert middle * 0.8 <= retry_delay(attempts) <= middle * 1.2


def test_gives_up_after_about_a_day():
    assert timedelta(hours=23) < total_backoff() < timedelta(hours=25)


@pytest.mark.parametrize(
    ("exc", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x.nl": (550, b"no such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.nl": (550, b"no"), "b@x.nl": (452, b"full")}), False),
        (smtplib.SMTPRecipientsRefused({"a@x.nl": (451, b"later")}), False),
        (smtplib.SMTPDataError(554, b"spam"), True),
        (smtplib.SMTPDataError(451, b"greylisted"), False),
        (smtplib.SMTPSenderRefused(550, b"sender not allowed", "noreply@x.nl"), False),  # our configuration
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),  # our configuration
        (smtplib.SMTPServerDisconnected("gone"), False),
        (ConnectionRefusedError(111, "refused"), False),
        (TimeoutError("timed out"), False),
        (BadHeaderError("newline in header"), True),
    ],
)
def test_permanent_errors(exc, permanent):
    assert error_is_permanent(exc) is permanent


def test_summary_is_short_and_hides_credentials():
    summary = error_summary(ConnectionError("cannot reach smtp://user:s3cret@mail.example.org:25 " + "x" * 500))
    assert "s3cret" not in summary and "//***@mail.example.org" in summary
    assert len(summary) == ERROR_MAX_LENGTH and "\n" not in summary
    refused = error_summary(smtplib.SMTPRecipientsRefused({"a@x.nl": (550, b"5.1.1 unknown\r\n user")}))
    assert refused == "Recipients refused: a@x.nl (550 5.1.1 unknown user)"
