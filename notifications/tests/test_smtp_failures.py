"""The outbox against a real SMTP server (aiosmtpd, see smtp_server.py): outages, refusals, timeouts,
crashes between sending and marking, and staff sending failed mail again."""

import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.core.mail.backends.smtp import EmailBackend
from django.db import OperationalError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from notifications import services
from notifications.exceptions import MessageNotResendable
from notifications.models import OutboxMessage, OutboxStatus
from notifications.retry import BACKOFF_BASE, BACKOFF_CAP, JITTER, MAX_ATTEMPTS
from notifications.services import email_queue, outbox_message_send, outbox_resend
from notifications.tasks import outbox_flush
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

CONTEXT = {"user": {"full_name": "A"}, "confirm_url": "http://testserver/confirm/x", "days": 3}


def queue(to: str, capture) -> OutboxMessage:
    """Queue a message in a committed transaction (its on-commit send runs at once, eagerly)."""
    with capture(execute=True):
        message = email_queue(to=to, template="accounts/email/confirm", context=CONTEXT, language="nl")
    message.refresh_from_db()
    return message


def time_passes(message: OutboxMessage) -> None:
    """Its next attempt is due now (instead of waiting minutes for the backoff)."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def flush() -> int:
    return outbox_flush(older_than_seconds=0)


def assert_backoff(message: OutboxMessage, attempt: int) -> None:
    """``next_attempt_at`` follows the backoff of the given attempt, jitter included."""
    base = min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_CAP)
    delay = message.next_attempt_at - message.last_attempt_at
    assert base * (1 - JITTER) - timedelta(seconds=1) <= delay <= base * (1 + JITTER) + timedelta(seconds=1)


def test_accepted_message_is_sent_once(smtp_server, django_capture_on_commit_callbacks):
    message = queue("ok@example.org", django_capture_on_commit_callbacks)

    assert message.status == OutboxStatus.SENT and message.attempts == 1 and message.sent_at
    [received] = smtp_server.received_by("ok@example.org")
    assert "confirm/x" in received.message.get_payload()
    # A duplicate task, a flush and a resend attempt find it sent.
    assert outbox_message_send(message_id=message.pk) is False
    assert flush() == 0
    with pytest.raises(MessageNotResendable):
        outbox_resend(message=message, actor=StaffUserFactory())
    assert len(smtp_server.received_by("ok@example.org")) == 1


@pytest.mark.django_db(transaction=True)
def test_smtp_conversation_runs_outside_any_transaction(smtp_server):
    seen = []
    original = EmailBackend.send_messages

    def spy(self, messages):
        seen.append(transaction.get_connection().in_atomic_block)
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", spy), transaction.atomic():
        message = email_queue(to="tx@example.org", template="accounts/email/confirm", context=CONTEXT)
        assert seen == []  # nothing is sent before the commit
    assert seen == [False]
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.SENT
    assert len(smtp_server.received_by("tx@example.org")) == 1


def test_rolled_back_transaction_never_sends(smtp_server, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        email_queue(to="rollback@example.org", template="accounts/email/confirm", context=CONTEXT)
        raise RuntimeError("the caller's change failed")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert flush() == 0
    assert smtp_server.messages == []


@pytest.mark.parametrize(("mode", "code"), [("tempfail", "451"), ("shutdown", "421"), ("tempfail_data", "451")])
def test_temporary_refusal_retries_with_backoff(smtp_server, django_capture_on_commit_callbacks, mode, code):
    smtp_server.set_mode(mode)
    message = queue("later@example.org", django_capture_on_commit_callbacks)

    assert message.status == OutboxStatus.RETRYING and message.attempts == 1
    assert message.next_attempt_at > timezone.now()
    assert_backoff(message, attempt=1)
    assert code in message.last_error and "http" not in message.last_error
    assert flush() == 0  # not due yet

    time_passes(message)
    assert flush() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.RETRYING and message.attempts == 2
    assert_backoff(message, attempt=2)  # twice as long
    assert smtp_server.messages == []


@pytest.mark.parametrize(("mode", "code"), [("reject", "550"), ("reject_data", "554")])
def test_permanent_refusal_fails_at_once(smtp_server, django_capture_on_commit_callbacks, caplog, mode, code):
    smtp_server.set_mode(mode)
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        message = queue("nobody@example.org", django_capture_on_commit_callbacks)

    assert message.status == OutboxStatus.FAILED and message.attempts == 1
    assert message.next_attempt_at is None
    assert code in message.last_error
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    smtp_server.set_mode("accept")
    time_passes(message)
    assert flush() == 0  # failed mail stays failed until staff send it again
    assert smtp_server.messages == []


def test_server_timeout_retries(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.set_mode("hang")  # answers after 3 s; the client gives up after EMAIL_TIMEOUT = 1 s
    message = queue("slow@example.org", django_capture_on_commit_callbacks)

    assert message.status == OutboxStatus.RETRYING and message.attempts == 1
    assert "timed out" in message.last_error
    assert_backoff(message, attempt=1)
    assert smtp_server.messages == []


def test_unset_email_timeout_does_not_mean_wait_forever(smtp_server, settings):
    settings.EMAIL_TIMEOUT = None  # Django's default: block until the server answers, however long
    timeouts = []
    original = EmailBackend.open

    def spy(self):
        timeouts.append(self.timeout)
        return original(self)

    message = email_queue(to="t@example.org", template="accounts/email/confirm", context=CONTEXT)
    with mock.patch.object(EmailBackend, "open", spy):
        assert outbox_message_send(message_id=message.pk) is True
    assert timeouts and set(timeouts) == {services.SMTP_TIMEOUT_SECONDS}


def test_server_down_then_back_sends_on_next_flush(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.stop()
    message = queue("outage@example.org", django_capture_on_commit_callbacks)
    assert message.status == OutboxStatus.RETRYING
    assert "ConnectionRefusedError" in message.last_error

    smtp_server.start()
    assert flush() == 0  # the backoff still holds it
    time_passes(message)
    assert flush() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2 and message.last_error == ""
    assert message.next_attempt_at is None
    assert len(smtp_server.received_by("outage@example.org")) == 1
    time_passes(message)
    assert flush() == 0


def test_gives_up_after_about_a_day_and_logs_error(smtp_server, django_capture_on_commit_callbacks, caplog):
    smtp_server.set_mode("tempfail")
    message = queue("never@example.org", django_capture_on_commit_callbacks)
    waited = message.next_attempt_at - message.last_attempt_at
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        for attempt in range(2, MAX_ATTEMPTS + 1):
            time_passes(message)
            assert flush() == 1
            message.refresh_from_db()
            assert message.attempts == attempt
            if attempt < MAX_ATTEMPTS:
                assert message.status == OutboxStatus.RETRYING
                assert_backoff(message, attempt=attempt)
                waited += message.next_attempt_at - message.last_attempt_at

    assert message.status == OutboxStatus.FAILED and message.next_attempt_at is None
    assert timedelta(hours=19) < waited < timedelta(hours=30)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "given up" in errors[0].getMessage()
    assert [r.levelno for r in caplog.records] == [logging.WARNING] * (MAX_ATTEMPTS - 1) + [logging.ERROR]
    time_passes(message)
    assert flush() == 0
    assert smtp_server.messages == []


def test_crash_after_send_before_mark_resends_once_after_the_lease(smtp_server, caplog):
    """The at-least-once window: the server accepted the message, the "sent" write failed."""
    message = email_queue(to="crash@example.org", template="accounts/email/confirm", context=CONTEXT)
    with (
        mock.patch.object(services, "_mark_sent", side_effect=OperationalError("database went away")),
        pytest.raises(OperationalError),
    ):
        outbox_message_send(message_id=message.pk)
    assert any("not marked sent" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING and message.lease_expires_at > timezone.now()
    assert len(smtp_server.received_by("crash@example.org")) == 1

    # While the lease holds, neither a redelivered task nor the flush sends it again.
    assert outbox_message_send(message_id=message.pk) is False
    assert flush() == 0
    assert len(smtp_server.received_by("crash@example.org")) == 1

    # The lease runs out (the worker is presumed dead): sent once more, then never again.
    OutboxMessage.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert flush() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2
    assert flush() == 0
    assert outbox_message_send(message_id=message.pk) is False
    assert len(smtp_server.received_by("crash@example.org")) == 2


def test_claim_taken_over_mid_send_is_not_overwritten(smtp_server):
    message = email_queue(to="slowworker@example.org", template="accounts/email/confirm", context=CONTEXT)
    original = services._deliver

    def slow_deliver(email):
        # While we talk to the server our lease runs out and another worker claims the message.
        OutboxMessage.objects.filter(pk=message.pk).update(lease_token="other-worker")
        original(email)

    with mock.patch.object(services, "_deliver", slow_deliver):
        assert outbox_message_send(message_id=message.pk) is True
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING and message.lease_token == "other-worker"


def test_worker_that_keeps_dying_is_given_up(smtp_server, caplog):
    message = email_queue(to="dies@example.org", template="accounts/email/confirm", context=CONTEXT)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, attempts=MAX_ATTEMPTS, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbox_message_send(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and "Given up" in message.last_error
    assert [r.levelno for r in caplog.records if r.name in ("notifications.services", "core.jobs")] == [logging.ERROR]
    assert smtp_server.messages == []


def test_staff_resend_sends_failed_message_again_and_audits(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.set_mode("reject")
    message = queue("fixed@example.org", django_capture_on_commit_callbacks)
    assert message.status == OutboxStatus.FAILED
    staff = StaffUserFactory()

    smtp_server.set_mode("accept")  # e.g. the recipient's mailbox was restored
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outbox_resend(message=message, actor=staff)
        assert smtp_server.messages == []  # only after commit
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    assert len(smtp_server.received_by("fixed@example.org")) == 1
    event = AuditEvent.objects.get(action="mail.resend")
    assert event.actor == staff and event.object_id == str(message.pk)
    assert event.details["previous_status"] == "failed"
    # The SMTP error names the recipient: it sits in the event's erasable personal part.
    assert "550" in event.personal.details["previous_error"] and "fixed@example.org" not in str(event.details)


def test_resend_refuses_message_under_live_claim(smtp_server):
    message = email_queue(to="busy@example.org", template="accounts/email/confirm", context=CONTEXT)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, lease_token="w1", lease_expires_at=timezone.now() + timedelta(minutes=1)
    )
    with pytest.raises(MessageNotResendable):
        outbox_resend(message=message, actor=StaffUserFactory())
    assert outbox_message_send(message_id=message.pk) is False  # a second worker leaves it alone
    assert smtp_server.messages == []
