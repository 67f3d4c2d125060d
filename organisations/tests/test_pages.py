"""The organisation pages: what each member sees, bounded queries, and input kept on a refusal."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from organisations.constants import MembershipRole
from organisations.models import Invitation, Membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    """The language cookie beside the session cookie (an HTTP_COOKIE header would replace both)."""
    client.cookies["django_language"] = "en"
    return client


def test_the_profile_page_stays_at_a_bounded_number_of_queries_as_members_grow(client, django_assert_max_num_queries):
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    client.force_login(admin)
    url = reverse("organisations:detail", args=[organisation.pk])
    client.get(url)  # warm the session
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    MembershipFactory.create_batch(25, organisation=organisation, role=MembershipRole.MEMBER)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        body = client.get(url).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert body.count('name="role"') >= 26  # every member listed, each with its role control


def test_open_invitations_are_shown_to_admins_only_and_never_their_link(client, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    member = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER).user
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("organisations:invite", args=[organisation.pk]), {"email": "nieuw@example.org", "role": "member"}
        )
    token = re.search(r"/organisation/invitations/([^/\s]+)/", mail.outbox[-1].body).group(1)
    url = reverse("organisations:detail", args=[organisation.pk])
    page = client.get(url).content.decode()
    assert "nieuw@example.org" in page and token not in page
    client.force_login(member)
    page = client.get(url).content.decode()
    assert "nieuw@example.org" not in page


def test_an_invalid_invitation_address_is_explained_and_nothing_is_sent(client, english):
    organisation = OrganisationFactory()
    client.force_login(member_of(organisation))
    response = client.post(
        reverse("organisations:invite", args=[organisation.pk]), {"email": "geen-adres", "role": "member"}
    )
    assert response.status_code == 200
    assert "valid email address" in response.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


def test_a_refused_profile_change_keeps_what_was_typed(client):
    taken = OrganisationFactory()
    organisation = OrganisationFactory(name="Oud B.V.")
    client.force_login(member_of(organisation))
    data = {
        "name": "Nieuwe Naam B.V.",
        "kvk_number": taken.kvk_number,
        "kind": "company",
        "sector": "C",
        "city": "Zwolle",
        "website": "",
        "employees": "10",
        "annual_turnover_eur": "100",
        "balance_sheet_total_eur": "100",
        "figures_year": "2025",
    }
    response = client.post(reverse("organisations:edit", args=[organisation.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="Nieuwe Naam B.V."' in body and 'value="Zwolle"' in body
    organisation.refresh_from_db()
    assert organisation.name == "Oud B.V."


def test_an_invitation_link_sends_an_anonymous_visitor_to_log_in_and_back(client):
    response = client.get(reverse("organisations:invitation_accept", args=["some-token"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=/organisation/invitations/some-token/" in response["Location"]


def test_an_admin_removes_a_member_on_the_page_and_the_page_says_so(client, english):
    organisation = OrganisationFactory()
    client.force_login(member_of(organisation))
    membership = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER, user=UserFactory())
    response = client.post(
        reverse("organisations:member_update", args=[organisation.pk, membership.pk]),
        {"remove": "1"},
        follow=True,
    )
    assert "has been removed from the organisation" in response.content.decode()
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_membership_of_another_organisation_is_a_404_even_for_an_admin(client):
    organisation = OrganisationFactory()
    client.force_login(member_of(organisation))
    elsewhere = MembershipFactory(role=MembershipRole.MEMBER)
    response = client.post(
        reverse("organisations:member_update", args=[organisation.pk, elsewhere.pk]), {"remove": "1"}
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()
