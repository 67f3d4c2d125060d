"""The KvK takeover (issue 26, item 6) over HTTP, against the real OpenID Provider on PostgreSQL.

A password account registers an organisation with somebody else's KvK number (70000001, the
company of the provider's ``eh-signatory`` and ``eh-employee``). Before: it became admin and
signatory, signed, and stayed so when the company's genuine eHerkenning user arrived as a plain
member. Now the organisation is unverified and cannot sign; the first eHerkenning login for the
number makes that person admin, verifies the organisation and demotes the password account.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from audit.services import actor_label
from declarations.models import Declaration
from declarations.services import DeclarationInput, declaration_sign
from missions.constants import RegistrationStatus
from missions.exceptions import NotASignatory
from missions.models import Registration
from missions.services import registration_sign
from missions.tests.factories import MissionFactory, published_text
from notifications.models import OutboxMessage
from organisations.models import Membership, Organisation
from organisations.policies import OrganisationUnverified
from tests.factories import UserFactory

from .test_flow import ORGANISATION_FORM, login_as, organisation_data

pytestmark = [pytest.mark.oidc, pytest.mark.postgres, pytest.mark.django_db]

KVK = "70000001"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
ANSWER = {
    "decision": "endorsed",
    "signatory_name": "Sanne",
    "signatory_position": "Directeur",
    "confirms_authority": "on",
}
NOTICE = 'data-testid="organisation-unverified"'


def typed_organisation(client) -> tuple[User, Organisation]:
    """A password account logs in and registers the organisation of a KvK number that is not theirs."""
    typist = UserFactory(email="snel@example.org", language="en")
    response = client.post(reverse("accounts:login"), {"username": typist.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.post(reverse("organisations:create"), organisation_data(kvk_number=KVK))
    assert response.status_code == 302
    organisation = Organisation.objects.get(kvk_number=KVK)
    assert Membership.objects.filter(user=typist, organisation=organisation, role="admin").exists()
    return typist, organisation


def prepared_registration(client, organisation) -> Registration:
    """The wizard up to submission: the declaration step explains why it cannot be signed."""
    mission = MissionFactory()
    assert client.post(f"/missions/{mission.slug}/register/", {"organisation": organisation.pk}).status_code == 302
    registration = Registration.objects.get(mission=mission, organisation=organisation)
    base = f"/missions/{mission.slug}/register/{registration.pk}/step"
    participants = {"p1_name": "Anna Bakker", "p1_email": "anna@example.org", "p1_position": "CTO"}
    client.post(f"{base}/2/", {**participants, "motivation": "Samenwerken", "action": "next"})
    client.post(f"{base}/3/", {"action": "next"})
    step4 = client.get(f"{base}/4/").content.decode()
    assert NOTICE in step4 and "eHerkenning" in step4 and 'name="decision"' not in step4
    # An answer posted anyway is not kept: the step moves on without it.
    client.post(f"{base}/4/", {**ANSWER, "action": "next"})
    assert NOTICE in client.get(f"{base}/5/").content.decode()
    client.post(f"{base}/5/", {"action": "submit"})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING_SIGNATURE
    return registration


def test_kvk_takeover_by_a_password_account_is_undone_by_the_first_eherkenning_login(client, oidc_settings):
    published_text()
    typist, organisation = typed_organisation(client)
    assert not organisation.is_verified
    registration = prepared_registration(client, organisation)

    # The unverified organisation cannot sign: not on the page, not through the services.
    sign_url = reverse("my:sign", args=[registration.pk])
    page = client.get(sign_url).content.decode()
    assert NOTICE in page and 'name="decision"' not in page
    response = client.post(sign_url, ANSWER, follow=True)
    assert response.status_code == 200 and "eHerkenning" in response.content.decode()
    answer = DeclarationInput(decision="endorsed", signatory_name="S", signatory_position="D", confirms_authority=True)
    with pytest.raises(NotASignatory):
        registration_sign(registration=registration, actor=typist, answer=answer)
    with pytest.raises(OrganisationUnverified):
        declaration_sign(answer=answer, subject=registration, actor=typist)
    assert not Declaration.objects.exists()

    # The company's genuine eHerkenning user logs in for the KvK number.
    genuine_client = Client()
    response = login_as(genuine_client, "eh-signatory")
    assert response.status_code == 302 and response["Location"] != ORGANISATION_FORM
    genuine = User.objects.get(oidc_identities__subject="pseudo-7f3a1c")
    organisation.refresh_from_db()
    assert organisation.verification == "eherkenning" and organisation.verified_by == genuine
    roles = {m.user_id: (m.role, m.is_authorised_signatory) for m in organisation.memberships.all()}
    assert roles == {genuine.pk: ("admin", False), typist.pk: ("member", False)}
    mail = OutboxMessage.objects.get(kind="kvk_takeover")
    assert mail.to == [typist.email] and "has changed" in mail.subject  # in the typist's language
    assert KVK in mail.body_text and "no longer an authorised signatory" in mail.body_text
    demote = AuditEvent.objects.get(action="membership.demote")
    assert demote.actor == genuine and demote.details["user"] == actor_label(typist)
    assert demote.details["before"] == {"role": "admin", "is_authorised_signatory": True}
    verify = AuditEvent.objects.get(action="organisation.verify")
    assert verify.actor == genuine and verify.details["method"] == "eherkenning"
    assert verify.details["demoted"] == [actor_label(typist)]

    # The genuine signatory (authorised by the broker for this session) signs the waiting registration.
    page = genuine_client.get(sign_url).content.decode()
    assert NOTICE not in page and 'name="decision"' in page
    response = genuine_client.post(sign_url, ANSWER)
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.user == genuine and declaration.authority.startswith("eherkenning;")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED

    # The typist is a plain member now: the organisation page has no admin controls for them.
    page = client.get(reverse("organisations:detail", args=[organisation.pk])).content.decode()
    assert reverse("organisations:edit", args=[organisation.pk]) not in page


def test_an_organisation_registered_through_eherkenning_is_verified_and_signs(client, oidc_settings):
    login_as(client, "eh-signatory")
    client.post(ORGANISATION_FORM, organisation_data())
    organisation = Organisation.objects.get(kvk_number=KVK)
    assert organisation.verification == "eherkenning"
    page = client.get(reverse("organisations:detail", args=[organisation.pk])).content.decode()
    assert NOTICE not in page and 'data-testid="verification"' in page
    assert not AuditEvent.objects.filter(action="membership.demote").exists()
