import re

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from organisations.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Nieuw Bedrijf B.V.",
    "kvk_number": "12345678",
    "kind": "company",
    "sector": "C",
    "city": "Zwolle",
    "website": "",
    "employees": "501",
    "annual_turnover_eur": "40000001",
    "balance_sheet_total_eur": "1000",
    "figures_year": "2025",
}


def test_create_organisation_makes_creator_admin_and_signatory(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("organisations:create"), VALID)
    org = Organisation.objects.get(kvk_number="12345678")
    assert response.status_code == 302
    membership = Membership.objects.get(user=user, organisation=org)
    assert membership.is_admin and membership.is_authorised_signatory
    assert AuditEvent.objects.filter(action="organisation.create", organisation_id=org.pk).exists()
    page = client.get(reverse("organisations:detail", args=[org.pk])).content.decode()
    assert "grote onderneming" in page  # large company by the one rule


@pytest.mark.parametrize("kvk", ["1234567", "123456789", "1234567a", "abcdefgh", "１２３４５６７８"])
def test_invalid_kvk_numbers_are_refused_and_input_kept(client, kvk):
    client.force_login(UserFactory())
    response = client.post(reverse("organisations:create"), {**VALID, "kvk_number": kvk})
    body = response.content.decode()
    assert response.status_code == 200
    assert "precies 8 cijfers" in body
    assert 'value="Nieuw Bedrijf B.V."' in body
    assert not Organisation.objects.exists()


def test_duplicate_kvk_says_ask_for_an_invitation_without_leaking_members(client):
    existing = OrganisationFactory(kvk_number="12345678", name="Geheim B.V.")
    MembershipFactory(organisation=existing, user=UserFactory(email="secret.admin@example.org"))
    client.force_login(UserFactory())
    response = client.post(reverse("organisations:create"), VALID)
    body = response.content.decode()
    assert response.status_code == 200
    assert "om u uit te nodigen" in body
    assert "secret.admin@example.org" not in body and "Geheim B.V." not in body


def test_non_admin_member_gets_403_on_admin_actions(client):
    org = OrganisationFactory()
    member = member_of(org, role="member", is_authorised_signatory=False)
    client.force_login(member)
    assert client.get(reverse("organisations:detail", args=[org.pk])).status_code == 200
    assert client.get(reverse("organisations:edit", args=[org.pk])).status_code == 403
    assert client.get(reverse("organisations:invite", args=[org.pk])).status_code == 403


def test_invite_accept_and_signatory_change(client, django_capture_on_commit_callbacks):
    org = OrganisationFactory()
    admin = member_of(org)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organisations:invite", args=[org.pk]), {"email": "collega@example.org", "role": "member"})
    token_path = re.search(r"http://testserver(/organisation/invitations/\S+/)", mail.outbox[0].body).group(1)
    colleague = UserFactory(email="collega@example.org")
    client.force_login(colleague)
    client.post(token_path)
    membership = Membership.objects.get(user=colleague, organisation=org)
    assert membership.role == "member" and not membership.is_authorised_signatory
    # A used invitation cannot be used again, and its page says so.
    for send in (client.get, client.post):
        response = send(token_path)
        assert response.status_code == 410 and "al gebruikt" in response.content.decode()

    client.force_login(admin)
    client.post(
        reverse("organisations:member_update", args=[org.pk, membership.pk]),
        {"role": "member", "is_authorised_signatory": "on"},
    )
    membership.refresh_from_db()
    assert membership.is_authorised_signatory
    assert AuditEvent.objects.filter(action="membership.update", object_id=str(membership.pk)).exists()


def test_invitation_for_another_address_is_refused(client, django_capture_on_commit_callbacks):
    org = OrganisationFactory()
    admin = member_of(org)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organisations:invite", args=[org.pk]), {"email": "collega@example.org", "role": "member"})
    token_path = re.search(r"http://testserver(/organisation/invitations/\S+/)", mail.outbox[0].body).group(1)
    client.force_login(UserFactory(email="someone.else@example.org"))
    client.post(token_path)
    assert not Membership.objects.filter(organisation=org, user__email="someone.else@example.org").exists()


def test_last_admin_cannot_be_demoted_or_removed(client):
    org = OrganisationFactory()
    admin = member_of(org)
    membership = Membership.objects.get(user=admin)
    client.force_login(admin)
    response = client.post(
        reverse("organisations:member_update", args=[org.pk, membership.pk]), {"role": "member"}, follow=True
    )
    assert "minstens één beheerder" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_admin


def test_user_switches_between_organisations(client):
    org_a, org_b = OrganisationFactory(name="Alfa B.V."), OrganisationFactory(name="Beta B.V.")
    user = member_of(org_a)
    MembershipFactory(user=user, organisation=org_b)
    client.force_login(user)
    client.post(reverse("organisations:switch"), {"organisation": org_b.pk})
    response = client.get(reverse("organisations:home"))
    assert response.url == reverse("organisations:detail", args=[org_b.pk])
    response = client.post(reverse("organisations:switch"), {"organisation": org_a.pk, "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("organisations:home")
    assert client.get(reverse("organisations:home")).url == reverse("organisations:detail", args=[org_a.pk])
