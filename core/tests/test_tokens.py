"""The one token generator for single-use links (``core/tokens.py``) and its three users."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.exceptions import ConfirmationLinkExpired, ConfirmationLinkInvalid, ConfirmationLinkUsed
from accounts.services import CONFIRM_SALT, confirmation_token_make, user_confirm_email
from core.tokens import (
    StateTokenGenerator,
    TokenExpired,
    TokenInvalid,
    TokenStale,
    stored_token_digest,
    stored_token_new,
)
from organisations.exceptions import InvitationInvalid
from organisations.models import Invitation, Membership
from organisations.services import invitation_accept, invitation_check, invitation_create
from privacy.exceptions import DeletionLinkInvalid
from privacy.services import DELETE_SALT, account_delete_link_check, deletion_tokens
from tests.factories import OrganisationFactory, UserFactory, member_of
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    login_staff(client, admin_user)  # superusers reach the admin only with a second factor
    return client


class Thing:
    def __init__(self, pk, state):
        self.pk, self.value = pk, state


def _generator(salt="test.purpose"):
    return StateTokenGenerator(
        salt=salt, state=lambda thing: thing.value, max_age_setting="ACCOUNT_DELETE_LINK_MAX_AGE"
    )


def test_a_state_token_names_its_object_until_the_state_changes():
    generator = _generator()
    thing = Thing(7, "before")
    token = generator.make_token(thing)
    assert generator.check_token(token, load=lambda pk: thing if pk == 7 else None) is thing
    thing.value = "after"  # the link was used
    with pytest.raises(TokenStale) as stale:
        generator.check_token(token, load=lambda pk: thing)
    assert stale.value.obj is thing


def test_a_state_token_is_refused_for_another_purpose_a_missing_object_or_when_altered():
    thing = Thing(7, "s")
    token = _generator("purpose.a").make_token(thing)
    with pytest.raises(TokenInvalid):
        _generator("purpose.b").check_token(token, load=lambda pk: thing)
    with pytest.raises(TokenInvalid):
        _generator("purpose.a").check_token(token, load=lambda pk: None)
    for altered in (token[:-1] + ("A" if token[-1] != "A" else "B"), token.replace(":", ";", 1), "", "x" * 40):
        with pytest.raises(TokenInvalid):
            _generator("purpose.a").check_token(altered, load=lambda pk: thing)
    # A signed payload that is not ours in shape (another id type) is refused as well.
    for payload in ({"uid": "7", "state": "x"}, {"uid": True, "state": "x"}, {"uid": 7}, [7, "x"]):
        forged = signing.dumps(payload, salt="purpose.a")
        with pytest.raises(TokenInvalid):
            _generator("purpose.a").check_token(forged, load=lambda pk: thing)


def test_a_state_token_expires_after_the_configured_age():
    generator, thing = _generator(), Thing(1, "s")
    token = generator.make_token(thing)
    with override_settings(ACCOUNT_DELETE_LINK_MAX_AGE=-1), pytest.raises(TokenExpired):
        generator.check_token(token, load=lambda pk: thing)
    assert generator.check_token(token, load=lambda pk: thing) is thing


def _token_as_sent_before(salt: str, user, state_text: str) -> str:
    """A link exactly as the portal built it before ``core.tokens`` (a frozen copy of that code)."""
    state = salted_hmac(salt, state_text, algorithm="sha256").hexdigest()[:32]
    return signing.dumps({"uid": user.pk, "state": state}, salt=salt)


def test_confirmation_links_already_in_mailboxes_keep_working_once():
    user = UserFactory(is_active=False, email_confirmed_at=None)
    old = _token_as_sent_before(
        CONFIRM_SALT, user, f"{user.pk}|{user.email}|{user.password}|{user.is_active}|{user.email_confirmed_at}"
    )
    assert user_confirm_email(token=old).is_active
    with pytest.raises(ConfirmationLinkUsed):
        user_confirm_email(token=old)


def test_confirmation_link_reasons():
    user = UserFactory(is_active=False, email_confirmed_at=None)
    token = confirmation_token_make(user)
    with override_settings(ACCOUNT_CONFIRMATION_MAX_AGE=-1), pytest.raises(ConfirmationLinkExpired):
        user_confirm_email(token=token)
    user.set_password("another-password-1")
    user.save()
    with pytest.raises(ConfirmationLinkInvalid):  # the password changed: not "used"
        user_confirm_email(token=token)
    with pytest.raises(ConfirmationLinkInvalid):  # a deletion link is no confirmation link
        user_confirm_email(token=deletion_tokens.make_token(user))


def test_deletion_links_already_in_mailboxes_keep_working_and_only_for_their_account():
    user, other = UserFactory(), UserFactory()
    old = _token_as_sent_before(DELETE_SALT, user, f"{user.pk}|{user.email}|{user.password}|{user.is_active}")
    account_delete_link_check(token=old, user=user)
    with pytest.raises(DeletionLinkInvalid):
        account_delete_link_check(token=old, user=other)
    with pytest.raises(DeletionLinkInvalid):
        account_delete_link_check(token=confirmation_token_make(user), user=user)
    user.is_active = False  # erasing the account changes its state: the link stops working
    with pytest.raises(DeletionLinkInvalid):
        account_delete_link_check(token=old, user=user)


def test_a_stored_token_is_random_and_only_its_digest_is_kept():
    tokens = {stored_token_new() for _ in range(50)}
    assert len({t for t, _ in tokens}) == 50
    for token, digest in tokens:
        assert len(token) >= 43 and digest == hashlib.sha256(token.encode()).hexdigest() != token
        assert stored_token_digest(token) == digest


def _invite(org, admin, django_capture_on_commit_callbacks, mailoutbox, email="collega@example.org"):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            actor=admin, organisation=org, email=email, role="member", is_authorised_signatory=False
        )
    token = re.search(r"/organisation/invitations/([^/\s]+)/", mailoutbox[-1].body).group(1)
    return invitation, token


def test_an_invitation_row_holds_no_usable_token(django_capture_on_commit_callbacks, mailoutbox):
    org = OrganisationFactory()
    invitation, token = _invite(org, member_of(org), django_capture_on_commit_callbacks, mailoutbox)
    row = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert not any(token in str(value) for value in row.values())
    assert row["token_sha256"] == stored_token_digest(token)
    assert invitation_check(token=token).pk == invitation.pk
    # The digest found in a database dump opens nothing.
    with pytest.raises(InvitationInvalid):
        invitation_check(token=row["token_sha256"])


def test_an_invitation_link_works_once(django_capture_on_commit_callbacks, mailoutbox):
    org = OrganisationFactory()
    invitation, token = _invite(org, member_of(org), django_capture_on_commit_callbacks, mailoutbox)
    colleague = UserFactory(email="collega@example.org")
    invitation_accept(user=colleague, token=token)
    assert Membership.objects.filter(user=colleague, organisation=org).exists()
    with pytest.raises(InvitationInvalid):
        invitation_accept(user=colleague, token=token)


def test_the_admin_shows_no_token_of_an_invitation(admin_client, django_capture_on_commit_callbacks, mailoutbox):
    org = OrganisationFactory()
    invitation, token = _invite(org, member_of(org), django_capture_on_commit_callbacks, mailoutbox)
    pages = [
        admin_client.get(reverse("admin:organisations_invitation_change", args=[invitation.pk])),
        admin_client.get(reverse("admin:organisations_invitation_changelist")),
    ]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200 and "collega@example.org" in body
        assert token not in body and stored_token_digest(token) not in body


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_existing_invitation_tokens_and_old_links_keep_working():
    org = OrganisationFactory()
    executor = MigrationExecutor(connection)
    before = [("organisations", "0003_organisation_verified_by_eherkenning")]
    after = [("organisations", "0004_invitation_token_hashed")]
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        OldInvitation = old_apps.get_model("organisations", "Invitation")
        OldInvitation.objects.create(
            organisation_id=org.pk,
            email="oud@example.org",
            token="plain-old-token",
            expires_at=timezone.now() + timedelta(days=3),
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    invitation = Invitation.objects.get(email="oud@example.org")
    assert invitation.token_sha256 == hashlib.sha256(b"plain-old-token").hexdigest()
    assert invitation_check(token="plain-old-token").pk == invitation.pk


def test_no_link_token_of_the_three_reaches_a_log():
    from accounts.log_format import redact

    user = UserFactory()
    for path in (
        reverse("accounts:confirm", args=[confirmation_token_make(user)]),
        reverse("privacy:delete_confirm", args=[deletion_tokens.make_token(user)]),
        reverse("organisations:invitation_accept", args=[stored_token_new()[0]]),
    ):
        token = path.rstrip("/").rsplit("/", 1)[1]
        line = redact(f"Not Found: {path}")
        assert token not in line and "[redacted]" in line, path
    # The page that starts a deletion has no token and stays readable.
    assert redact("GET /accounts/delete/ 200") == "GET /accounts/delete/ 200"
