"""My data and account deletion work for every subject: a user who signed for an instrument."""

import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from declarations.models import Declaration, DeclarationPersonalData
from declarations.services import declarations_verify
from instruments.services import application_start
from instruments.tests.test_services import _level2_instrument, _sign
from missions.tests.factories import published_text
from organisations.models import Organisation
from tests.factories import StaffUserFactory, member_of

pytestmark = pytest.mark.django_db
PASSWORD = "x-Very-long-2026!"


@pytest.fixture
def applicant(client):
    published_text(kind="subsidy")
    user = member_of()
    user.set_password(PASSWORD)
    user.save()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(
        instrument=_level2_instrument(StaffUserFactory()), organisation=organisation, reference="MIJN-1", actor=user
    )
    _sign(application, user)
    client.force_login(user)
    return user


def test_my_data_lists_the_instrument_declaration_and_application(client, applicant):
    declaration = Declaration.objects.get(user=applicant)
    page = client.get(reverse("privacy:my_data"))
    assert page.status_code == 200
    assert declaration.reference in page.text and declaration.subject_snapshot["code"] in page.text
    assert "MIJN-1" in page.text
    response = client.get(reverse("privacy:my_data_json"))
    assert response.status_code == 200
    data = json.loads(response.content)
    (listed,) = data["declarations"]
    assert (listed["subject_type"], listed["undertaking"], listed["reference"]) == (
        "instrument_application",
        declaration.subject_snapshot["code"],
        declaration.reference,
    )
    assert listed["signatory_name"] == "Anna de Vries"
    assert data["applications_started"][0]["reference"] == "MIJN-1"


def test_deleting_the_account_erases_the_instrument_signatory_and_keeps_the_evidence(
    client, applicant, django_capture_on_commit_callbacks
):
    declaration = Declaration.objects.get(user=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:delete"), {"password": PASSWORD, "understood": "on"})
    link = re.search(r"https?://\S+/accounts/delete/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]
    assert client.post(path).status_code == 302
    personal = DeclarationPersonalData.objects.get(declaration=declaration)
    assert personal.signatory_name == "" and personal.erased_at is not None
    assert declarations_verify().ok
