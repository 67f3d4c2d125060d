"""One normalised identity for login, lockout and storage (ASVS 6.3: the lockout cannot be sidestepped)."""

import pytest
from django.contrib.auth.forms import UserChangeForm
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from accounts.identity import axes_username, normalise_email
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["piet@example.org", "PIET@EXAMPLE.ORG", " Piet@Example.org ", "piet@example.org\t"])
def test_every_spelling_normalises_to_one_identity(raw):
    assert normalise_email(raw) == "piet@example.org"


def test_axes_keys_on_the_normalised_identity_from_credentials_or_the_form():
    request = RequestFactory().post("/accounts/login/", {"username": "  PIET@example.ORG "})
    assert axes_username(request) == "piet@example.org"
    assert axes_username(request, {"username": "Piet@Example.org "}) == "piet@example.org"


def test_the_database_refuses_two_accounts_that_differ_only_in_case():
    UserFactory(email="anna@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        # Bypass every form and manager: the functional unique index itself holds.
        User.objects.bulk_create([User(email="ANNA@example.org", full_name="Anna 2")])


def test_model_validation_normalises_and_names_the_clash():
    UserFactory(email="anna@example.org")
    other = UserFactory(email="bert@example.org")
    form = UserChangeForm(
        data={"email": " Anna@Example.org ", "password": other.password, "date_joined": other.date_joined},
        instance=other,
    )
    form.fields = {"email": form.fields["email"]}
    assert not form.is_valid()
    assert "bestaat al" in str(form.errors) or "already exists" in str(form.errors)


def test_manager_and_natural_key_use_the_same_normalisation():
    user = User.objects.create_user(email=" Kees@Example.ORG ", password="x" * 14, full_name="Kees")
    assert user.email == "kees@example.org"
    assert User.objects.get_by_natural_key("KEES@example.org ") == user
