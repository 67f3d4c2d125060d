"""/my/: one overview of a company's mission registrations and instrument applications."""

import pytest
from django.urls import reverse

from declarations.constants import Decision
from declarations.services import DeclarationInput
from instruments.services import application_declaration_sign, application_start
from instruments.tests.factories import InstrumentFactory
from instruments.tests.test_services import _level2_instrument
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from organisations.models import Organisation
from tests.factories import StaffUserFactory, member_of

pytestmark = pytest.mark.django_db


def _application(user, *, reference):
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(
        instrument=_level2_instrument(StaffUserFactory()), organisation=organisation, reference=reference, actor=user
    )
    answer = DeclarationInput(
        decision=Decision.ENDORSED, signatory_name="A. de Vries", signatory_position="CEO", confirms_authority=True
    )
    return application_declaration_sign(application=application, actor=user, answer=answer)


def test_the_overview_lists_missions_and_instruments_with_status_reference_next_step_and_receipt(
    client, django_assert_max_num_queries
):
    published_text()
    published_text(kind="subsidy")
    user = member_of()
    mission = MissionFactory(title_nl="Missie naar Kenia")
    registration_submit(registration=draft_ready(mission=mission, user=user, answer=endorse_answer()), actor=user)
    application = _application(user, reference="AANVRAAG-7")
    stranger = member_of()
    _application(stranger, reference="VREEMD-1")
    client.force_login(user)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("my:overview")).text
    assert "Mijn aanmeldingen en aanvragen" in page and "Missie naar Kenia" in page
    table = page[page.index('id="my-applications"') :]
    assert application.instrument.name_nl in table and "AANVRAAG-7" in table
    assert application.current_declaration.reference in table
    assert reverse("instruments:application", args=[application.pk]) in table
    assert reverse("declarations:receipt", args=[application.current_declaration.pk]) in table
    assert "VREEMD-1" not in page  # another organisation's application


def test_the_query_count_stays_bounded_as_applications_grow(client, django_assert_max_num_queries):
    published_text(kind="subsidy")
    user = member_of()
    for n in range(6):
        _application(user, reference=f"R-{n}")
    client.force_login(user)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("my:overview")).text
    assert all(f"R-{n}" in page for n in range(6))


def test_an_organisation_without_applications_is_told_where_to_find_an_instrument(client):
    InstrumentFactory()
    client.force_login(member_of())
    page = client.get(reverse("my:overview")).text
    assert reverse("instruments:list") in page and 'id="my-applications"' not in page
