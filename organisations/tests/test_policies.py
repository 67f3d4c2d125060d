"""The permission layer: every role and object rule, and the services enforcing it themselves."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from audit.models import AuditEvent
from organisations.models import Membership
from organisations.policies import POLICIES, NotAllowed, can, require
from organisations.services import invitation_create, membership_remove, membership_update, organisation_update
from tests.factories import MembershipFactory, MinistryUserFactory, OrganisationFactory, StaffUserFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    organisation = OrganisationFactory()
    admin = member_of(organisation)  # admin and signatory
    signatory = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=True).user
    plain = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    return {
        "organisation": organisation,
        "admin": admin,
        "signatory": signatory,
        "plain": plain,
        "stranger": member_of(),
        "staff": StaffUserFactory(),
        "ministry": MinistryUserFactory(),
    }


EXPECTED = {
    # policy: who of the fixture may
    "organisation.view": {"admin", "signatory", "plain"},
    "organisation.edit": {"admin"},
    "membership.manage": {"admin"},
    "registration.withdraw": {"admin", "signatory", "staff"},
    "registration.discard_draft": {"admin", "signatory", "plain"},
    "declaration.sign": {"admin", "signatory"},
    "declaration.receipt": {"admin", "signatory", "plain", "staff"},
    "staff.access": {"staff"},
    "mission.manage": {"staff"},
    "registration.decide": {"staff"},
    "brochure.manage": {"staff"},
    "dashboard.view": {"staff", "ministry"},
    "admin.access": set(),
}


@pytest.mark.parametrize("policy", sorted(EXPECTED))
def test_who_may_do_what(people, policy):
    organisation = people["organisation"]
    allowed = {name for name in people if name != "organisation" and can(people[name], policy, organisation)}
    assert allowed == EXPECTED[policy]


def test_anonymous_and_inactive_users_may_do_nothing(people):
    inactive = people["staff"]
    inactive.is_active = False
    for user in (AnonymousUser(), None, inactive):
        assert not any(can(user, name, people["organisation"]) for name in POLICIES)


def test_require_decides_on_fresh_data(people):
    organisation, signatory = people["organisation"], people["signatory"]
    assert can(signatory, "declaration.sign", organisation)  # now cached on the user object
    Membership.objects.filter(user=signatory).update(is_authorised_signatory=False)
    with pytest.raises(NotAllowed):
        require(signatory, "declaration.sign", organisation)


def test_only_admins_change_or_remove_memberships_through_the_services(people):
    organisation, admin, plain, signatory = (people[k] for k in ("organisation", "admin", "plain", "signatory"))
    target = Membership.objects.get(user=signatory)
    for actor in (plain, signatory, people["stranger"], people["staff"]):
        with pytest.raises(NotAllowed):
            membership_update(actor=actor, membership=target, role="admin", is_authorised_signatory=True)
        with pytest.raises(NotAllowed):
            membership_remove(actor=actor, membership=target)
        with pytest.raises(NotAllowed):
            invitation_create(
                actor=actor,
                organisation=organisation,
                email="x@example.org",
                role="member",
                is_authorised_signatory=False,
            )
        with pytest.raises(NotAllowed):
            organisation_update(actor=actor, organisation=organisation, data={"city": "Elders"})
    target.refresh_from_db()
    assert target.role == "member"
    membership_remove(actor=admin, membership=target)
    assert not Membership.objects.filter(pk=target.pk).exists()
    event = AuditEvent.objects.get(action="membership.remove")
    assert event.actor == admin and event.details["user"] == f"user#{signatory.pk}"  # a pseudonym, not the address


def test_an_admin_removes_a_member_through_the_page_and_a_plain_member_cannot(client, people):
    organisation, admin, plain = people["organisation"], people["admin"], people["plain"]
    target = Membership.objects.get(user=people["signatory"])
    url = reverse("organisations:member_update", args=[organisation.pk, target.pk])
    client.force_login(plain)
    assert client.post(url, {"remove": "1"}).status_code == 403
    client.force_login(people["stranger"])
    assert client.post(url, {"remove": "1"}).status_code == 404
    assert Membership.objects.filter(pk=target.pk).exists()
    client.force_login(admin)
    response = client.post(url, {"remove": "1"}, follow=True)
    assert response.status_code == 200 and "verwijderd" in response.content.decode()
    assert not Membership.objects.filter(pk=target.pk).exists()
