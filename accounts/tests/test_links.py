"""Single-use links: e-mail confirmation and password reset work once, expire, and stop working
after a password change; a used link says so and offers the login page."""

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.services import confirmation_token_make
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Zeer-veilig-wachtwoord-2026"


def _signup_link(client, django_capture_on_commit_callbacks) -> str:
    data = {
        "full_name": "Anna de Vries",
        "email": "anna@example.org",
        "language": "nl",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "accept_privacy": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), data)
    return re.search(r"http://testserver(/accounts/confirm/[^\s]+/)", mail.outbox[-1].body).group(1)


def _logged_in(client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


def test_a_used_confirmation_link_never_logs_in_again(client, django_capture_on_commit_callbacks):
    link = _signup_link(client, django_capture_on_commit_callbacks)
    assert client.post(link).status_code == 302 and _logged_in(client)

    thief = client.__class__()
    response = thief.post(link)
    assert response.status_code == 410
    body = response.content.decode()
    assert "al gebruikt" in body and reverse("accounts:login") in body
    assert not _logged_in(thief)
    # Opening it again says so too, before anyone presses a button.
    assert thief.get(link).status_code == 410
    assert AuditEvent.objects.filter(action="auth.confirmation_link_refused").count() == 2


def test_a_password_change_invalidates_an_unused_confirmation_link(client):
    user = UserFactory(email="nieuw@example.org", is_active=False)
    link = reverse("accounts:confirm", args=[confirmation_token_make(user)])
    user.set_password("Een-ander-wachtwoord-2026")
    user.save()
    response = client.post(link)
    assert response.status_code == 400 and "niet geldig" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active and not _logged_in(client)


def test_a_confirmation_link_expires(client, settings):
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        user = UserFactory(email="laat@example.org", is_active=False)
        link = reverse("accounts:confirm", args=[confirmation_token_make(user)])
        clock.shift(settings.ACCOUNT_CONFIRMATION_MAX_AGE + 1)
        response = client.post(link)
    assert response.status_code == 400 and "verlopen" in response.content.decode()
    assert not _logged_in(client)


def test_a_tampered_confirmation_link_is_refused(client):
    user = UserFactory(email="nieuw@example.org", is_active=False)
    token = confirmation_token_make(user)
    response = client.post(reverse("accounts:confirm", args=[token[:-2] + "xx"]))
    assert response.status_code == 400 and not _logged_in(client)
    assert not User.objects.get(pk=user.pk).is_active


def _reset_link(client, django_capture_on_commit_callbacks, email: str) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": email})
    return re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)


def _use_reset_link(client, link: str, password: str):
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_a_password_reset_link_works_once_and_never_logs_in(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="piet@example.org")
    link = _reset_link(client, django_capture_on_commit_callbacks, "Piet@Example.org ")
    assert _use_reset_link(client, link, "Nieuw-wachtwoord-2026!").status_code == 302
    assert not _logged_in(client)  # a reset sets the password, it does not log in

    again = client.__class__()
    response = again.get(link, follow=True)
    body = response.content.decode()
    assert "al gebruikt of verlopen" in body and reverse("accounts:login") in body
    user.refresh_from_db()
    assert user.check_password("Nieuw-wachtwoord-2026!")


def test_a_password_change_invalidates_a_reset_link(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="piet@example.org")
    link = _reset_link(client, django_capture_on_commit_callbacks, "piet@example.org")
    user.set_password("Door-de-gebruiker-zelf-2026")
    user.save()
    response = client.get(link, follow=True)
    assert "al gebruikt of verlopen" in response.content.decode()


def test_a_password_reset_link_expires(client, settings, django_capture_on_commit_callbacks):
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        UserFactory(email="piet@example.org")
        link = _reset_link(client, django_capture_on_commit_callbacks, "piet@example.org")
        clock.shift(settings.PASSWORD_RESET_TIMEOUT + 1)
        response = client.get(link, follow=True)
    assert "al gebruikt of verlopen" in response.content.decode()
