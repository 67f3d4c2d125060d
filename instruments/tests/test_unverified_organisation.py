"""An unverified organisation (KvK number typed by a password account) prepares an instrument
application but cannot sign its declaration (issue 26, item 6; the rule: organisations.policies)."""

import pytest
from django.urls import reverse

from declarations.models import Declaration
from declarations.services import DeclarationInput
from instruments.services import application_declaration_sign
from missions.tests.factories import published_text
from organisations.policies import OrganisationUnverified
from organisations.services import organisation_verify
from tests.factories import OrganisationFactory, StaffUserFactory, member_of

from .journey import started

pytestmark = pytest.mark.django_db

ANSWER = {"decision": "endorsed", "signatory_name": "Petra", "signatory_position": "CEO", "confirms_authority": "on"}


def test_unverified_organisation_prepares_but_does_not_sign_until_verified(client):
    published_text(kind="subsidy")
    organisation = OrganisationFactory(unverified=True)
    signatory = member_of(organisation)
    application, _user = started(2, user=signatory)
    client.force_login(signatory)
    page_url = reverse("instruments:application", args=[application.pk])
    page = client.get(page_url).content.decode()
    assert 'data-testid="organisation-unverified"' in page
    assert 'name="decision"' not in page
    assert reverse("instruments:application_ask", args=[application.pk]) not in page  # nobody could sign
    response = client.post(reverse("instruments:application_sign", args=[application.pk]), ANSWER, follow=True)
    assert response.status_code == 200 and "eHerkenning" in response.content.decode()
    with pytest.raises(OrganisationUnverified):
        application_declaration_sign(
            application=application,
            actor=signatory,
            answer=DeclarationInput(
                decision="endorsed", signatory_name="P", signatory_position="C", confirms_authority=True
            ),
        )
    assert not Declaration.objects.exists()

    organisation_verify(actor=StaffUserFactory(), organisation=organisation, reason="KvK-uittreksel")
    assert 'data-testid="organisation-unverified"' not in client.get(page_url).content.decode()
    client.post(reverse("instruments:application_sign", args=[application.pk]), ANSWER)
    assert Declaration.objects.get().user == signatory
