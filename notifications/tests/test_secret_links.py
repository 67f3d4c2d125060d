"""Confirmation, reset and invitation links do not stay in the outbox once sent, and the admin hides them."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.services import user_signup
from notifications.exceptions import SecretLinkNotResendable
from notifications.models import REDACTED_BODY, OutboxMessage, OutboxStatus
from notifications.services import outbox_resend
from tests.factories import StaffUserFactory
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db


def test_signup_link_is_delivered_and_then_erased_from_the_outbox(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user_signup(email="nieuw@example.org", full_name="Nieuw Lid", password="x-Very-long-2026!", language="nl")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm/\S+", mail.outbox[0].body).group(0)
    message = OutboxMessage.objects.get(kind="signup_confirm")
    assert message.status == OutboxStatus.SENT
    assert message.contains_secret is True
    assert message.body_text == REDACTED_BODY and message.body_html == ""
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert not OutboxMessage.objects.filter(body_text__contains=token).exists()
    assert not OutboxMessage.objects.filter(body_html__contains=token).exists()


def test_password_reset_link_is_erased_once_sent(client, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    user = UserFactory(email="vergeten@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert len(mail.outbox) == 1
    message = OutboxMessage.objects.get(kind="password_reset")
    assert message.status == OutboxStatus.SENT
    assert "reset" not in message.body_text and message.body_text == REDACTED_BODY


def test_unsent_link_is_kept_for_delivery_and_ordinary_mail_keeps_its_body(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        user_signup(email="wacht@example.org", full_name="Wacht Even", password="x-Very-long-2026!", language="nl")
    pending = OutboxMessage.objects.get(kind="signup_confirm")
    assert pending.status == OutboxStatus.PENDING and "/accounts/confirm/" in pending.body_text
    ordinary = OutboxMessage.objects.create(to=["a@example.org"], subject="A", body_text="gewoon", kind="x")
    from notifications.services import outbox_message_send

    assert outbox_message_send(message_id=ordinary.pk)
    ordinary.refresh_from_db()
    assert ordinary.status == OutboxStatus.SENT and ordinary.body_text == "gewoon"


def test_sent_link_mail_cannot_be_resent_with_a_clear_message(client):
    message = OutboxMessage.objects.create(
        to=["a@example.org"],
        subject="Bevestig",
        body_text=REDACTED_BODY,
        status=OutboxStatus.SENT,
        contains_secret=True,
    )
    with pytest.raises(SecretLinkNotResendable):
        outbox_resend(message=message, actor=None)
    staff = StaffUserFactory()
    login_staff(client, staff)
    response = client.post(reverse("staff:mail_resend", args=[message.pk]), follow=True)
    assert "nieuwe link" in response.content.decode()


def test_failed_link_mail_can_still_be_resent(django_capture_on_commit_callbacks):
    message = OutboxMessage.objects.create(
        to=["a@example.org"],
        subject="Bevestig",
        body_text="link https://x/accounts/confirm/abc/",
        status=OutboxStatus.FAILED,
        contains_secret=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        outbox_resend(message=message, actor=None)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.body_text == REDACTED_BODY
    assert "accounts/confirm/abc" in mail.outbox[-1].body


def test_admin_never_shows_a_link_body(client, admin_user):
    login_staff(client, admin_user)
    secret = OutboxMessage.objects.create(
        to=["a@example.org"],
        subject="Bevestig",
        body_text="https://x/accounts/confirm/GEHEIM/",
        status=OutboxStatus.FAILED,
        contains_secret=True,
    )
    ordinary = OutboxMessage.objects.create(to=["b@example.org"], subject="Gewoon", body_text="Zichtbare tekst")
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[secret.pk])).content.decode()
    assert "GEHEIM" not in page and "redacted" in page
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[ordinary.pk])).content.decode()
    assert "Zichtbare tekst" in page
