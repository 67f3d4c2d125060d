"""Values that must never be stored (a verification code) are filled in only in the e-mail as it is
sent: the outbox row holds a random placeholder before, during and after every attempt."""

import smtplib
from unittest import mock

import pytest
from django.core import mail

from notifications import services
from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import SecretValue, outbox_message_send, outbox_resend, secret_resolver_register
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

SECRET = "7QVT-HMH4-JH6L"


@pytest.fixture(autouse=True)
def resolver():
    calls = []

    def resolve(object_id: int) -> str:
        calls.append(object_id)
        if object_id == 404:
            raise LookupError("gone")
        return SECRET if object_id == 1 else "<b>&</b>"

    secret_resolver_register("test.code", resolve)
    yield calls
    services._SECRET_RESOLVERS.pop("test.code", None)


def _queued(object_id: int = 1, *, typed: str = "") -> OutboxMessage:
    """A row as ``email_queue`` writes it for a context with ``secret_context={"code": SecretValue(...)}``."""
    placeholder = services._secret_placeholder()
    return OutboxMessage.objects.create(
        to=["a@example.org"],
        subject="Uw code",
        body_text=f"Code: {placeholder}\nOrganisatie: {typed}\n",
        body_html=f"<p>Code: {placeholder}</p><p>{typed}</p>",
        kind="registration.confirmed",
        secret_values={placeholder: ["test.code", object_id]},
    )


def _at_rest(message: OutboxMessage) -> str:
    message.refresh_from_db()
    return message.subject + message.body_text + message.body_html


def test_the_value_is_only_in_the_sent_mail_never_in_the_row(resolver):
    message = _queued()
    assert SECRET not in _at_rest(message)
    assert outbox_message_send(message_id=message.pk)
    sent = mail.outbox[-1]
    assert f"Code: {SECRET}" in sent.body and f"Code: {SECRET}" in sent.alternatives[0].content
    assert SECRET not in _at_rest(message) and message.status == OutboxStatus.SENT
    assert resolver == [1]  # computed at send time


def test_retries_and_failures_never_write_the_value(resolver):
    message = _queued()
    with mock.patch.object(services, "_deliver", side_effect=smtplib.SMTPServerDisconnected("later")):
        assert not outbox_message_send(message_id=message.pk)
    assert SECRET not in _at_rest(message) and message.status == OutboxStatus.RETRYING
    refused = smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")})
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING)
    with mock.patch.object(services, "_deliver", side_effect=refused):
        assert not outbox_message_send(message_id=message.pk)
    assert SECRET not in _at_rest(message) and message.status == OutboxStatus.FAILED
    assert SECRET not in message.last_error
    # staff send it again: the value is computed again for that attempt
    outbox_resend(message=message, actor=StaffUserFactory())
    assert outbox_message_send(message_id=message.pk)
    assert SECRET in mail.outbox[-1].body and SECRET not in _at_rest(message)


def test_a_value_that_cannot_be_computed_fails_the_attempt_like_an_smtp_error():
    message = _queued(404)
    assert not outbox_message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.RETRYING and "gone" in message.last_error
    assert not mail.outbox


def test_the_html_part_gets_the_value_escaped_and_typed_text_is_never_taken_for_a_placeholder():
    lookalike = "imvosecret" + "0" * 32
    message = _queued(2, typed=lookalike)
    assert outbox_message_send(message_id=message.pk)
    sent = mail.outbox[-1]
    assert "<p>Code: &lt;b&gt;&amp;&lt;/b&gt;</p>" in sent.alternatives[0].content
    assert "Code: <b>&</b>" in sent.body and lookalike in sent.body


def test_email_queue_puts_placeholders_in_the_context_and_keeps_other_values(settings, tmp_path):
    (tmp_path / "t_subject.txt").write_text("Onderwerp {{ name }}")
    (tmp_path / "t_body.txt").write_text("Code {{ code }} voor {{ name }}")
    engines = [dict(engine) for engine in settings.TEMPLATES]
    for engine in engines:
        engine["DIRS"] = [tmp_path, *engine.get("DIRS", [])]
    settings.TEMPLATES = engines
    message = services.email_queue(
        to="a@example.org",
        template="t",
        context={"name": "Anna", "code": "leaks if used"},
        secret_context={"code": SecretValue("test.code", 1)},
    )
    (placeholder,) = message.secret_values
    assert message.body_text == f"Code {placeholder} voor Anna" and placeholder.startswith("imvosecret")
    assert outbox_message_send(message_id=message.pk)
    assert mail.outbox[-1].body == f"Code {SECRET} voor Anna"


def test_the_migration_takes_codes_out_of_mail_already_sent():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("notifications.migrations.0004_outbox_secret_values_filled_at_sending")
    body = f"Referentie: IMVO-2027-000001\nVerificatiecode: {SECRET}\nhttps://x/verify/?reference=IMVO-2027-000001&code={SECRET}\n"
    sent = OutboxMessage.objects.create(
        to=["a@example.org"], subject="s", body_text=body, kind="registration.confirmed", status=OutboxStatus.SENT
    )
    pending = OutboxMessage.objects.create(
        to=["a@example.org"], subject="s", body_text=body, kind="registration.confirmed"
    )
    other = OutboxMessage.objects.create(
        to=["a@example.org"], subject="s", body_text=body, kind="session.invitation", status=OutboxStatus.SENT
    )
    migration.codes_out_of_sent_mail(apps, None)
    sent.refresh_from_db()
    assert SECRET not in sent.body_text and "IMVO-2027-000001" in sent.body_text
    assert "Verificatiecode: [verification code removed]" in sent.body_text and sent.body_text.endswith("&code=\n")
    pending.refresh_from_db()
    other.refresh_from_db()
    assert pending.body_text == body and other.body_text == body  # unsent mail still needs it; other kinds carry none
