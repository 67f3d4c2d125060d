import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import OutboxMessage, OutboxStatus
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    login_staff(client, admin_user)  # superusers reach the admin only with a second factor
    return client


def test_operator_resends_failed_mail_from_the_admin(admin_client, django_capture_on_commit_callbacks):
    failed = OutboxMessage.objects.create(to=["a@example.org"], subject="A", body_text="x", status=OutboxStatus.FAILED)
    sent = OutboxMessage.objects.create(to=["b@example.org"], subject="B", body_text="x", status=OutboxStatus.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_outboxmessage_changelist"),
            {"action": "resend", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.SENT
    assert list(AuditEvent.objects.filter(action="mail.resend").values_list("object_id", flat=True)) == [str(failed.pk)]
    page = response.content.decode()
    assert "opnieuw in de wachtrij" in page and "niet opnieuw versturen" in page
