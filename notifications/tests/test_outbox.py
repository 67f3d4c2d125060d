from unittest import mock

import pytest
from django.core import mail
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from notifications.models import OutboxMessage
from notifications.services import email_queue
from notifications.tasks import outbox_flush

pytestmark = pytest.mark.django_db


def test_email_is_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = email_queue(
            to="a@example.org",
            template="accounts/email/confirm",
            context={"user": {"full_name": "A"}, "confirm_url": "http://x", "days": 3},
            language="nl",
        )
        assert mail.outbox == []  # nothing leaves before commit
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1


def test_broker_outage_loses_no_email(settings, django_capture_on_commit_callbacks):
    from imvo_portal.celery import app
    from notifications.tasks import outbox_send

    app.conf.task_always_eager = False
    try:
        with (
            mock.patch.object(outbox_send, "delay", side_effect=ConnectionError("broker down")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            message = email_queue(
                to="a@example.org",
                template="accounts/email/confirm",
                context={"user": {"full_name": "A"}, "confirm_url": "http://x", "days": 3},
            )
    finally:
        app.conf.task_always_eager = True
    assert mail.outbox == []
    assert OutboxMessage.objects.get(pk=message.pk).status == "pending"
    assert outbox_flush(older_than_seconds=0) == 1
    assert len(mail.outbox) == 1
    assert outbox_flush(older_than_seconds=0) == 0  # sent once only


def test_dedupe_key_sends_at_most_once():
    kwargs = {
        "to": "a@example.org",
        "template": "accounts/email/confirm",
        "context": {"user": {"full_name": "A"}, "confirm_url": "http://x", "days": 3},
        "dedupe_key": "k1",
    }
    assert email_queue(**kwargs) is not None
    assert email_queue(**kwargs) is None
    assert OutboxMessage.objects.filter(dedupe_key="k1").count() == 1


@pytest.fixture
def mail_templates(settings, tmp_path):
    """A template directory of this test's own, searched first."""
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]} for engine in settings.TEMPLATES]
    (tmp_path / "t").mkdir()
    (tmp_path / "t/hello_subject.txt").write_text("Hello {{ name }}")
    (tmp_path / "t/hello_body.txt").write_text("Dear {{ name }}")
    return tmp_path / "t"


def test_html_part_is_optional(mail_templates):
    message = email_queue(to="a@example.org", template="t/hello", context={"name": "Ann"})
    assert message.subject == "Hello Ann" and message.body_text == "Dear Ann" and message.body_html == ""


def test_html_part_is_rendered_when_present(mail_templates):
    (mail_templates / "hello_body.html").write_text("<p>Dear {{ name }}</p>")
    message = email_queue(to="a@example.org", template="t/hello", context={"name": "Ann"})
    assert message.body_html == "<p>Dear Ann</p>"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<p>{% if %}</p>", TemplateSyntaxError),  # broken tag
        ('<p>{% include "t/missing.html" %}</p>', TemplateDoesNotExist),  # exists, but its include does not
        ("<p>{{ name|no_such_filter }}</p>", TemplateSyntaxError),
    ],
)
def test_broken_html_template_raises(mail_templates, html, error):
    (mail_templates / "hello_body.html").write_text(html)
    with pytest.raises(error):
        email_queue(to="a@example.org", template="t/hello", context={"name": "Ann"})
    assert not OutboxMessage.objects.exists()
