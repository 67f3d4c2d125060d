"""The back-office page of undelivered e-mail and its resend button."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import OutboxMessage, OutboxStatus
from organisations.policies import NotAllowed
from staff.constants import PAGE_SIZE
from staff.services.mail import mail_resend
from tests.factories import StaffUserFactory, member_of
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = StaffUserFactory()
    login_staff(client, user)
    client.user = user
    return client


def _mail(subject="Bevestig uw e-mailadres", **fields):
    fields = {
        "to": ["jan@bedrijf.example", "piet@bedrijf.example"],
        "body_text": "Klik op http://testserver/confirm/geheim-token",
        "kind": "account.confirm",
        "status": OutboxStatus.FAILED,
        "attempts": 1,
        "last_error": "Recipients refused: jan@bedrijf.example (550 5.1.1 user unknown)",
        "next_attempt_at": None,
        **fields,
    }
    return OutboxMessage.objects.create(subject=subject, **fields)


def test_lists_failed_and_retrying_mail_without_bodies(staff_client):
    failed = _mail()
    _mail("Uw aanmelding", status=OutboxStatus.RETRYING, attempts=3, last_error="SMTPServerDisconnected: gone")
    _mail("Al verstuurd", status=OutboxStatus.SENT)

    response = staff_client.get(reverse("staff:mail_list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Bevestig uw e-mailadres" in page and "Uw aanmelding" in page and "Al verstuurd" not in page
    assert "jan@bedrijf.example, piet@bedrijf.example" in page and "2 ontvangers" in page
    assert "550 5.1.1 user unknown" in page and "account.confirm" in page
    assert "geheim-token" not in page  # bodies (with personal links) never reach the page
    assert reverse("staff:mail_resend", args=[failed.pk]) in page
    assert "Opnieuw versturen" in page and "csrfmiddlewaretoken" in page


def test_empty_state(staff_client):
    _mail(status=OutboxStatus.SENT)
    response = staff_client.get(reverse("staff:mail_list"))
    assert "Er zijn geen mislukte of vertraagde e-mails" in response.content.decode()


def test_list_queries_are_bounded(staff_client, django_assert_max_num_queries):
    for n in range(PAGE_SIZE + 5):
        _mail(f"Bericht {n}")
    with django_assert_max_num_queries(10):
        response = staff_client.get(reverse("staff:mail_list"))
    assert len(response.context["mails"]) == PAGE_SIZE


def test_resend_queues_and_sends_again_with_audit(staff_client, django_capture_on_commit_callbacks):
    message = _mail(to=["jan@bedrijf.example"])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("staff:mail_resend", args=[message.pk]), {"next": reverse("staff:mail_list") + "?page=1"}
        )
    assert response.status_code == 302 and response["Location"] == reverse("staff:mail_list") + "?page=1"
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    assert [m.to for m in mail.outbox] == [["jan@bedrijf.example"]]
    event = AuditEvent.objects.get(action="mail.resend")
    assert event.actor == staff_client.user and event.object_id == str(message.pk) and event.personal.ip_address
    follow = staff_client.get(response["Location"])
    assert "wordt binnenkort opnieuw verstuurd" in follow.content.decode()


def test_resend_of_sent_mail_is_refused(staff_client, django_capture_on_commit_callbacks):
    message = _mail(status=OutboxStatus.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("staff:mail_resend", args=[message.pk]), follow=True)
    assert "niet opnieuw versturen" in response.content.decode()
    assert mail.outbox == [] and not AuditEvent.objects.filter(action="mail.resend").exists()


def test_resend_ignores_a_foreign_next_url(staff_client):
    message = _mail()
    response = staff_client.post(reverse("staff:mail_resend", args=[message.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("staff:mail_list")


def test_resend_needs_the_csrf_token():
    message = _mail()
    client = Client(enforce_csrf_checks=True)
    login_staff(client, StaffUserFactory())
    assert client.post(reverse("staff:mail_resend", args=[message.pk])).status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED


def test_resend_service_is_for_staff_only():
    message = _mail()
    with pytest.raises(NotAllowed):
        mail_resend(message=message, actor=member_of())
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert not AuditEvent.objects.exists()
