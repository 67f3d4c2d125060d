"""KvK ownership: unverified organisations cannot sign; eHerkenning or RVO staff verify them
(issue 26, item 6). The same over HTTP with the real OpenID Provider: eherkenning/tests/test_kvk_ownership.py."""

import importlib

import pytest
from django.apps import apps

from audit.models import AuditEvent
from audit.services import actor_label, audit_event_record
from notifications.models import OutboxMessage
from organisations.constants import MembershipRole, OrganisationVerification
from organisations.exceptions import OrganisationAlreadyVerified, VerificationReasonInvalid
from organisations.models import Invitation, Membership, Organisation
from organisations.policies import NotAllowed, OrganisationUnverified, can, organisation_unverified, require
from organisations.services import (
    invitation_create,
    membership_link,
    organisation_create,
    organisation_update,
    organisation_verify,
)
from tests.factories import MembershipFactory, OrganisationFactory, StaffUserFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

DATA = {
    "name": "Snel Getypt B.V.",
    "kvk_number": "70000001",
    "kind": "company",
    "sector": "C",
    "city": "Assen",
    "employees": 20,
    "annual_turnover_eur": 1_000_000,
    "balance_sheet_total_eur": 500_000,
    "figures_year": 2025,
}


def test_a_password_account_makes_an_unverified_organisation_and_eherkenning_a_verified_one():
    typed = organisation_create(actor=UserFactory(), data=DATA)
    assert typed.verification == OrganisationVerification.UNVERIFIED and typed.verified_at is None
    eherkenning_user = UserFactory()
    proven = organisation_create(
        actor=eherkenning_user,
        data={**DATA, "kvk_number": "70000004"},
        authorised_signatory=False,
        source="eherkenning",
    )
    assert proven.verification == OrganisationVerification.EHERKENNING
    assert proven.verified_by == eherkenning_user and proven.verified_at is not None
    created = AuditEvent.objects.get(action="organisation.create", organisation_id=proven.pk)
    assert created.details["verification"] == "eherkenning"


def test_an_unverified_organisations_signatory_may_not_sign_and_is_told_why():
    organisation = OrganisationFactory(unverified=True)
    signatory = member_of(organisation)
    stranger = member_of()
    assert not can(signatory, "declaration.sign", organisation)
    assert organisation_unverified(signatory, organisation)
    with pytest.raises(OrganisationUnverified) as refused:
        require(signatory, "declaration.sign", organisation)
    assert "eHerkenning" in str(refused.value.message)
    # Preparing is still allowed; a stranger is refused as before, without hearing about verification.
    assert can(signatory, "registration.edit_draft", organisation)
    with pytest.raises(NotAllowed) as refused:
        require(stranger, "declaration.sign", organisation)
    assert not isinstance(refused.value, OrganisationUnverified)
    assert not organisation_unverified(stranger, organisation)


def test_a_plain_member_of_an_unverified_organisation_is_refused_as_a_non_signatory():
    organisation = OrganisationFactory(unverified=True)
    member = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    with pytest.raises(NotAllowed) as refused:
        require(member, "declaration.sign", organisation)
    assert not isinstance(refused.value, OrganisationUnverified)


def test_staff_verify_with_a_reason_audited_once():
    organisation = OrganisationFactory(unverified=True)
    signatory = member_of(organisation)
    staff = StaffUserFactory()
    with pytest.raises(NotAllowed):
        organisation_verify(actor=signatory, organisation=organisation, reason="Ik ben het echt")
    with pytest.raises(VerificationReasonInvalid):
        organisation_verify(actor=staff, organisation=organisation, reason="   ")
    with pytest.raises(VerificationReasonInvalid):
        organisation_verify(actor=staff, organisation=organisation, reason="x" * 501)
    organisation.refresh_from_db()
    assert not organisation.is_verified and not AuditEvent.objects.filter(action="organisation.verify").exists()

    organisation_verify(actor=staff, organisation=organisation, reason="KvK-uittreksel en telefoontje")
    organisation.refresh_from_db()
    assert organisation.verification == OrganisationVerification.STAFF
    assert organisation.verified_by == staff and organisation.verified_at is not None
    event = AuditEvent.objects.get(action="organisation.verify")
    assert event.actor == staff and event.organisation_id == organisation.pk
    assert event.details == {"method": "staff", "kvk_number": organisation.kvk_number}
    # The typed reason is in the erasable personal part, as every typed reason (issue 23).
    assert event.personal.details == {"reason_text": "KvK-uittreksel en telefoontje"}
    assert can(signatory, "declaration.sign", organisation)
    with pytest.raises(OrganisationAlreadyVerified):
        organisation_verify(actor=staff, organisation=organisation, reason="nog eens")
    assert AuditEvent.objects.filter(action="organisation.verify").count() == 1


def test_first_eherkenning_login_takes_over_an_unverified_organisation():
    organisation = OrganisationFactory(unverified=True)
    typist = member_of(organisation)  # admin and signatory
    typist.language = "en"
    typist.save(update_fields=["language"])
    appointed = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=True).user
    bystander = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    invitation_create(
        actor=typist, organisation=organisation, email="maat@example.org", role="admin", is_authorised_signatory=True
    )
    mails_before = OutboxMessage.objects.count()
    genuine = UserFactory()

    membership, created = membership_link(user=genuine, organisation=organisation, source="eherkenning")

    assert created and membership.role == MembershipRole.ADMIN and not membership.is_authorised_signatory
    organisation.refresh_from_db()
    assert organisation.verification == OrganisationVerification.EHERKENNING and organisation.verified_by == genuine
    roles = {
        m.user_id: (m.role, m.is_authorised_signatory) for m in Membership.objects.filter(organisation=organisation)
    }
    assert roles == {
        genuine.pk: ("admin", False),
        typist.pk: ("member", False),
        appointed.pk: ("member", False),
        bystander.pk: ("member", False),
    }
    assert Invitation.objects.get(organisation=organisation).revoked_at is not None
    mails = OutboxMessage.objects.order_by("pk")[mails_before:]
    assert [m.to for m in mails] == [[typist.email], [appointed.email]]  # not the bystander: nothing changed
    assert "has changed" in mails[0].subject and organisation.kvk_number in mails[0].body_text  # English
    assert "You were an administrator" in mails[0].body_text
    demotions = AuditEvent.objects.filter(action="membership.demote").order_by("pk")
    assert [e.details["user"] for e in demotions] == [actor_label(typist), actor_label(appointed)]
    assert all(e.actor == genuine and e.details["reason"] == "kvk_verified_by_eherkenning" for e in demotions)
    verify = AuditEvent.objects.get(action="organisation.verify")
    assert verify.details["method"] == "eherkenning" and verify.details["invitations_withdrawn"] == 1
    assert verify.details["demoted"] == [actor_label(typist), actor_label(appointed)]
    assert not can(typist, "declaration.sign", organisation)

    # A second eHerkenning user of the now verified organisation joins as a member; nobody is demoted.
    later = UserFactory()
    membership, created = membership_link(user=later, organisation=organisation, source="eherkenning")
    assert created and membership.role == MembershipRole.MEMBER
    assert AuditEvent.objects.filter(action="membership.demote").count() == 2
    assert AuditEvent.objects.filter(action="organisation.verify").count() == 1


def test_an_existing_member_who_logs_in_with_eherkenning_is_promoted():
    organisation = OrganisationFactory(unverified=True)
    typist = member_of(organisation)
    colleague = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    membership, created = membership_link(user=colleague, organisation=organisation, source="eherkenning")
    assert not created and membership.role == MembershipRole.ADMIN
    assert Membership.objects.get(user=typist).role == MembershipRole.MEMBER
    update = AuditEvent.objects.get(action="membership.update", actor=colleague)
    assert update.details["before"] == {"role": "member", "is_authorised_signatory": False}


def test_a_verified_organisation_keeps_its_admin_when_an_eherkenning_user_joins():
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    membership, _created = membership_link(user=UserFactory(), organisation=organisation, source="eherkenning")
    assert membership.role == MembershipRole.MEMBER
    assert Membership.objects.get(user=admin).role == MembershipRole.ADMIN
    assert not AuditEvent.objects.filter(action__in=["membership.demote", "organisation.verify"]).exists()


def test_a_new_kvk_number_is_not_verified():
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    organisation_update(actor=admin, organisation=organisation, data={"kvk_number": "70000009"})
    organisation.refresh_from_db()
    assert not organisation.is_verified and organisation.verified_at is None
    event = AuditEvent.objects.get(action="organisation.update")
    assert event.details["changed"]["verification"] == ["staff", "unverified"]
    # Other changes leave the verification alone.
    organisation_verify(actor=StaffUserFactory(), organisation=organisation, reason="Gecontroleerd")
    organisation_update(actor=admin, organisation=organisation, data={"city": "Emmen"})
    organisation.refresh_from_db()
    assert organisation.is_verified


def test_migration_verifies_organisations_an_eherkenning_login_acted_for():
    migration = importlib.import_module("organisations.migrations.0003_organisation_verified_by_eherkenning")
    linked, created_by_eh, typed, other_source = (OrganisationFactory(unverified=True) for _ in range(4))
    person, founder = UserFactory(), UserFactory()
    audit_event_record(
        action="membership.link", actor=person, organisation_id=linked.pk, details={"source": "eherkenning"}
    )
    audit_event_record(
        action="organisation.create", actor=founder, obj=created_by_eh, details={"source": "eherkenning"}
    )
    audit_event_record(action="organisation.create", actor=founder, obj=typed, details={"source": "form"})
    audit_event_record(action="membership.join", actor=person, organisation_id=other_source.pk, details={})
    migration.verified_by_eherkenning(apps, None)
    state = {
        o.pk: (o.verification, o.verified_by_id, o.verified_at is not None)
        for o in Organisation.objects.filter(pk__in=[linked.pk, created_by_eh.pk, typed.pk, other_source.pk])
    }
    assert state == {
        linked.pk: ("eherkenning", person.pk, True),
        created_by_eh.pk: ("eherkenning", founder.pk, True),
        typed.pk: ("unverified", None, False),
        other_source.pk: ("unverified", None, False),
    }
