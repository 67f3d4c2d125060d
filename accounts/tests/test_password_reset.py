import re

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_password_reset_mail_in_users_language_and_new_password_works(
    client, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example"
    user = UserFactory(email="eng@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        # The link comes from PORTAL_BASE_URL, not from the host the request was sent to.
        client.post(reverse("accounts:password_reset"), {"email": "eng@example.org"}, HTTP_HOST="localhost")
    assert len(mail.outbox) == 1
    assert "Set a new password" in mail.outbox[0].subject
    assert "localhost" not in mail.outbox[0].body and "testserver" not in mail.outbox[0].body
    path = re.search(r"https://portal\.example(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Nieuw-wachtwoord-2026!", "new_password2": "Nieuw-wachtwoord-2026!"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Nieuw-wachtwoord-2026!")
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=user).exists()


def test_password_reset_for_unknown_address_sends_nothing_and_reveals_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("language", "title", "field"),
    [("nl", "Wachtwoord wijzigen", "Oud wachtwoord"), ("en", "Change password", "Old password")],
)
def test_the_password_change_page_is_in_the_users_language(client, language, title, field):
    client.force_login(UserFactory())
    client.cookies["django_language"] = language
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert f"<title>{title}" in page and f"<h1>{title}</h1>" in page and field in page
    page = client.get(reverse("accounts:password_reset")).content.decode()
    assert {"nl": "Wachtwoord vergeten?", "en": "Forgot your password?"}[language] in page
