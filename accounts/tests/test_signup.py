import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Zeer-veilig-wachtwoord-2026"


def _signup(client, django_capture_on_commit_callbacks, **overrides):
    data = {
        "full_name": "Anna de Vries",
        "email": "Anna@Example.org",
        "language": "en",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "accept_privacy": "on",
        **overrides,
    }
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("accounts:signup"), data)


def test_signup_creates_inactive_user_and_mails_confirmation_in_users_language(
    client, django_capture_on_commit_callbacks
):
    response = _signup(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    user = User.objects.get(email="anna@example.org")
    assert not user.is_active and user.email_confirmed_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.org"]
    assert "Confirm your e-mail address" in message.subject  # English: the user's choice
    assert AuditEvent.objects.filter(action="auth.signup", object_id=str(user.pk)).exists()


def test_confirmation_link_activates_and_logs_in(client, django_capture_on_commit_callbacks):
    _signup(client, django_capture_on_commit_callbacks)
    link = re.search(r"http://testserver(/accounts/confirm/[^\s]+/)", mail.outbox[0].body).group(1)
    assert client.get(link).status_code == 200  # GET confirms nothing (mail scanners)
    assert not User.objects.get(email="anna@example.org").is_active
    response = client.post(link)
    assert response.status_code == 302
    user = User.objects.get(email="anna@example.org")
    assert user.is_active and user.email_confirmed_at is not None
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_tampered_confirmation_link_is_refused(client):
    response = client.post(reverse("accounts:confirm", args=["not-a-token"]), follow=True)
    assert "niet geldig" in response.content.decode()


def test_signup_with_existing_email_does_not_reveal_it(client, django_capture_on_commit_callbacks):
    UserFactory(email="anna@example.org", full_name="Anna")
    response = _signup(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302  # same answer as a new address
    assert User.objects.filter(email__iexact="anna@example.org").count() == 1
    assert "already have an account" in mail.outbox[0].subject or "al een account" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("kort-2026", "te kort"), ("password1234", "te algemeen"), ("123456789012345", "alleen cijfers")],
)
def test_weak_passwords_are_refused_with_a_clear_message(
    client, django_capture_on_commit_callbacks, password, fragment
):
    response = _signup(client, django_capture_on_commit_callbacks, password1=password, password2=password)
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not User.objects.exists()


def test_mismatched_passwords_keep_the_other_input(client, django_capture_on_commit_callbacks):
    response = _signup(client, django_capture_on_commit_callbacks, password2=GOOD_PASSWORD + "x")
    body = response.content.decode()
    assert "komen niet overeen" in body
    assert 'value="Anna de Vries"' in body


def test_the_privacy_checkbox_links_the_privacy_statement_outside_its_label(client):

    page = client.get(reverse("accounts:signup")).content.decode()
    label = re.search(r'<label for="id_accept_privacy".*?</label>', page, re.S).group(0)
    assert "<a " not in label
    link = re.search(r'<a href="/privacy/"[^>]*>([^<]*)</a>', page)
    assert link and 'target="_blank"' in link.group(0) and 'rel="noopener"' in link.group(0)
    assert "opent in een nieuw tabblad" in link.group(1)
    # The checkbox is described by the text with the link.
    checkbox = re.search(r'<input[^>]*name="accept_privacy"[^>]*>', page).group(0)
    assert 'aria-describedby="id_accept_privacy_helptext"' in checkbox
    assert 'id="id_accept_privacy_helptext"' in page
    assert client.get("/privacy/").status_code == 200
