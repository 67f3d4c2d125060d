"""The organisation services on their own: who may, what is kept, what is audited, what is refused.

The views (test_views.py) show the same rules through pages; these call the services directly,
the way eHerkenning, staff pages and the API do, so each rule is proven at the door all share.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from audit.models import AuditEvent
from organisations.constants import MembershipRole, OrganisationVerification
from organisations.exceptions import (
    InvitationInvalid,
    InvitationWrongAccount,
    LastAdministrator,
    OrganisationExists,
)
from organisations.models import Invitation, Membership, Organisation
from organisations.policies import NotAllowed
from organisations.services import (
    invitation_accept,
    invitation_check,
    invitation_create,
    membership_remove,
    membership_update,
    organisation_create,
    organisation_update,
)
from tests.factories import MembershipFactory, OrganisationFactory, StaffUserFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the default language is Dutch)."""
    with translation.override("en"):
        yield


PROFILE = {
    "name": "Dienst B.V.",
    "kvk_number": "87654321",
    "kind": "company",
    "sector": "C",
    "city": "Assen",
    "employees": 600,
    "annual_turnover_eur": 50_000_000,
    "balance_sheet_total_eur": 10_000_000,
    "figures_year": 2025,
}


def invite(django_capture_on_commit_callbacks, admin, organisation, email="nieuw@example.org", **kwargs):
    """Invite ``email`` and return the token from the link in the e-mail (what the invitee has)."""
    options = {"role": MembershipRole.MEMBER, "is_authorised_signatory": False, **kwargs}
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(actor=admin, organisation=organisation, email=email, **options)
    link = re.search(r"/organisation/invitations/([^/\s]+)/", mail.outbox[-1].body)
    return invitation, link.group(1)


# --- create and update ----------------------------------------------------------------------------


def test_a_password_account_creates_an_unverified_organisation_with_itself_as_admin_and_signatory():
    user = UserFactory()
    organisation = organisation_create(actor=user, data=PROFILE)
    membership = Membership.objects.get(user=user, organisation=organisation)
    assert membership.role == MembershipRole.ADMIN and membership.is_authorised_signatory
    assert organisation.verification == OrganisationVerification.UNVERIFIED and organisation.verified_at is None
    event = AuditEvent.objects.get(action="organisation.create", object_id=str(organisation.pk))
    assert event.details["source"] == "form" and event.details["kvk_number"] == "87654321"


def test_an_eherkenning_login_creates_a_verified_organisation_whose_signing_comes_from_the_broker():
    user = UserFactory()
    organisation = organisation_create(
        actor=user, data=PROFILE, source=OrganisationVerification.EHERKENNING, authorised_signatory=False
    )
    assert organisation.verification == OrganisationVerification.EHERKENNING
    assert organisation.verified_by == user and organisation.verified_at is not None
    assert not Membership.objects.get(user=user).is_authorised_signatory


def test_fields_outside_the_profile_are_ignored_on_create():
    organisation = organisation_create(
        actor=UserFactory(), data={**PROFILE, "verification": OrganisationVerification.STAFF, "id": 999}
    )
    assert organisation.verification == OrganisationVerification.UNVERIFIED and organisation.pk != 999


def test_a_taken_kvk_number_is_refused_and_nothing_is_written():
    OrganisationFactory(kvk_number=PROFILE["kvk_number"])
    before = AuditEvent.objects.count()
    with pytest.raises(OrganisationExists):
        organisation_create(actor=UserFactory(), data=PROFILE)
    assert Organisation.objects.filter(kvk_number=PROFILE["kvk_number"]).count() == 1
    assert AuditEvent.objects.count() == before


def test_an_invalid_profile_rolls_back_the_membership_too():
    user = UserFactory()
    with pytest.raises(Exception):  # noqa: B017, PT011 - full_clean's ValidationError
        organisation_create(actor=user, data={**PROFILE, "kvk_number": "1234"})
    assert not Membership.objects.filter(user=user).exists() and not Organisation.objects.exists()


def test_only_an_admin_updates_the_profile_and_the_change_is_audited_field_by_field():
    organisation = OrganisationFactory(city="Utrecht")
    admin = member_of(organisation)
    member = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER).user
    with pytest.raises(NotAllowed):
        organisation_update(actor=member, organisation=organisation, data={"city": "Delft"})
    with pytest.raises(NotAllowed):
        organisation_update(actor=member_of(), organisation=organisation, data={"city": "Delft"})
    organisation_update(actor=admin, organisation=organisation, data={"city": "Delft"})
    organisation.refresh_from_db()
    assert organisation.city == "Delft"
    event = AuditEvent.objects.get(action="organisation.update", object_id=str(organisation.pk))
    assert event.details["changed"] == {"city": ["Utrecht", "Delft"]}


def test_a_new_kvk_number_makes_a_verified_organisation_unverified_again():
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    organisation_update(actor=admin, organisation=organisation, data={"kvk_number": "11223344"})
    organisation.refresh_from_db()
    assert organisation.verification == OrganisationVerification.UNVERIFIED and organisation.verified_by is None
    event = AuditEvent.objects.get(action="organisation.update", object_id=str(organisation.pk))
    assert event.details["changed"]["verification"][1] == OrganisationVerification.UNVERIFIED


def test_moving_to_another_organisations_kvk_number_is_refused_and_kept_as_it_was():
    taken = OrganisationFactory()
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    with pytest.raises(OrganisationExists):
        organisation_update(actor=admin, organisation=organisation, data={"kvk_number": taken.kvk_number})
    organisation.refresh_from_db()
    assert organisation.kvk_number != taken.kvk_number and organisation.is_verified


def test_staff_are_not_admins_of_a_company_profile():
    organisation = OrganisationFactory()
    with pytest.raises(NotAllowed):
        organisation_update(actor=StaffUserFactory(), organisation=organisation, data={"city": "Delft"})


# --- invitations ----------------------------------------------------------------------------------


def test_an_invitation_mails_a_link_and_the_invitee_joins_once(django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    invitation, token = invite(django_capture_on_commit_callbacks, admin, organisation, is_authorised_signatory=True)
    assert mail.outbox[-1].to == ["nieuw@example.org"]
    assert invitation_check(token=token).pk == invitation.pk
    invitee = UserFactory(email="Nieuw@Example.org")  # the address matches whatever its case
    membership = invitation_accept(user=invitee, token=token)
    assert membership.organisation == organisation and membership.is_authorised_signatory
    assert membership.role == MembershipRole.MEMBER
    assert AuditEvent.objects.filter(action="membership.join", object_id=str(membership.pk)).exists()
    with pytest.raises(InvitationInvalid, match="already been used"):
        invitation_accept(user=invitee, token=token)


def test_the_invitation_audit_event_does_not_carry_the_address(django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    invitation, _token = invite(django_capture_on_commit_callbacks, member_of(organisation), organisation)
    event = AuditEvent.objects.get(action="membership.invite", object_id=str(invitation.pk))
    assert "nieuw@example.org" not in str(event.details)


def test_only_an_admin_invites():
    organisation = OrganisationFactory()
    member = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER).user
    for actor in (member, member_of(), StaffUserFactory()):
        with pytest.raises(NotAllowed):
            invitation_create(
                actor=actor,
                organisation=organisation,
                email="x@example.org",
                role=MembershipRole.MEMBER,
                is_authorised_signatory=False,
            )
    assert not Invitation.objects.exists()


def test_an_invitation_for_another_address_is_refused_and_stays_usable(django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    _invitation, token = invite(django_capture_on_commit_callbacks, member_of(organisation), organisation)
    with pytest.raises(InvitationWrongAccount):
        invitation_accept(user=UserFactory(email="ander@example.org"), token=token)
    assert invitation_accept(user=UserFactory(email="nieuw@example.org"), token=token).organisation == organisation


def test_an_expired_or_withdrawn_invitation_says_why(django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    expired, expired_token = invite(django_capture_on_commit_callbacks, admin, organisation, email="a@example.org")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvitationInvalid, match="expired"):
        invitation_accept(user=UserFactory(email="a@example.org"), token=expired_token)
    withdrawn, withdrawn_token = invite(django_capture_on_commit_callbacks, admin, organisation, email="b@example.org")
    Invitation.objects.filter(pk=withdrawn.pk).update(revoked_at=timezone.now())
    with pytest.raises(InvitationInvalid, match="withdrawn"):
        invitation_check(token=withdrawn_token)


@pytest.mark.parametrize("token", ["", "x", "0" * 43, "../../admin", "a" * 500])
def test_an_unknown_token_is_invalid(token):
    with pytest.raises(InvitationInvalid):
        invitation_check(token=token)


# --- members --------------------------------------------------------------------------------------


def test_an_admin_changes_a_members_role_and_signing_authority_audited_with_before_and_after():
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    membership = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER, is_authorised_signatory=False)
    membership_update(actor=admin, membership=membership, role=MembershipRole.ADMIN, is_authorised_signatory=True)
    membership.refresh_from_db()
    assert membership.role == MembershipRole.ADMIN and membership.is_authorised_signatory
    event = AuditEvent.objects.get(action="membership.update", object_id=str(membership.pk))
    assert event.details["before"] == {"role": "member", "is_authorised_signatory": False}
    assert event.details["after"] == {"role": "admin", "is_authorised_signatory": True}


def test_a_plain_member_changes_nobody():
    organisation = OrganisationFactory()
    admin_membership = Membership.objects.get(user=member_of(organisation))
    member = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER).user
    with pytest.raises(NotAllowed):
        membership_update(
            actor=member, membership=admin_membership, role=MembershipRole.MEMBER, is_authorised_signatory=False
        )
    with pytest.raises(NotAllowed):
        membership_remove(actor=member, membership=admin_membership)
    admin_membership.refresh_from_db()
    assert admin_membership.role == MembershipRole.ADMIN


def test_an_admin_of_another_organisation_changes_nobody_here():
    organisation = OrganisationFactory()
    membership = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER)
    with pytest.raises(NotAllowed):
        membership_remove(actor=member_of(), membership=membership)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_admin_stays_but_a_second_admin_can_step_down():
    organisation = OrganisationFactory()
    first = Membership.objects.get(user=member_of(organisation))
    with pytest.raises(LastAdministrator):
        membership_update(actor=first.user, membership=first, role=MembershipRole.MEMBER, is_authorised_signatory=True)
    with pytest.raises(LastAdministrator):
        membership_remove(actor=first.user, membership=first)
    second = MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN)
    membership_update(actor=first.user, membership=first, role=MembershipRole.MEMBER, is_authorised_signatory=True)
    first.refresh_from_db()
    assert first.role == MembershipRole.MEMBER
    with pytest.raises(LastAdministrator):
        membership_remove(actor=second.user, membership=second)


def test_removing_a_member_is_audited_and_ends_their_access():
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    membership = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER)
    membership_id = membership.pk
    membership_remove(actor=admin, membership=membership)
    assert not Membership.objects.filter(pk=membership_id).exists()
    assert AuditEvent.objects.filter(action="membership.remove", object_id=str(membership_id)).exists()
    with pytest.raises(NotAllowed):
        organisation_update(actor=membership.user, organisation=organisation, data={"city": "Delft"})
