"""The instrument registry and the applications' doors, called the way staff pages, the import and
the API call them: who may, what is stored, what is audited, what is refused and left untouched."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from instruments.constants import FrameworkStage
from instruments.models import FrameworkFollowUp, Instrument, InstrumentApplication
from instruments.selectors import InstrumentFilters, application_get_for, instrument_list
from instruments.services import application_start, follow_up_resolve, level_publish, phase_save
from instruments.services.registry import instrument_save, normalise_codes
from organisations.models import Organisation
from organisations.policies import NotAllowed
from tests.factories import MinistryUserFactory, StaffUserFactory, member_of

from .factories import InstrumentFactory, PhaseFactory, assess, links

pytestmark = pytest.mark.django_db

NEW = {
    "code": "R-0001",
    "name_nl": "Regeling Schone Productie",
    "name_en": "Clean Production Scheme",
    "summary_nl": "Subsidie voor schonere productie.",
    "summary_en": "Grant for cleaner production.",
    "kind": "subsidy",
    "policy_area": "innovation",
    "typical_support_eur": 250_000,
    "sectors": "c, f;C",
    "countries": "de nl",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def organisation_of(user) -> Organisation:
    return Organisation.objects.get(memberships__user=user)


# --- registry -------------------------------------------------------------------------------------


def test_staff_create_an_instrument_with_a_slug_from_its_name_and_normalised_codes():
    staff = StaffUserFactory()
    instrument = instrument_save(actor=staff, data=NEW)
    assert instrument.slug == "regeling-schone-productie"
    assert instrument.sectors == "C,F" and instrument.countries == "DE,NL"
    event = AuditEvent.objects.get(action="instrument.create", object_id=str(instrument.pk))
    assert event.details["code"] == "R-0001" and "slug" in event.details["changed"]


def test_a_second_instrument_with_the_same_name_gets_its_own_address():
    staff = StaffUserFactory()
    first = instrument_save(actor=staff, data=NEW)
    second = instrument_save(actor=staff, data={**NEW, "code": "R-0002"})
    assert (first.slug, second.slug) == ("regeling-schone-productie", "regeling-schone-productie-2")


@pytest.mark.parametrize("slug", ["applications", "new", "import", "phases"])
def test_a_reserved_address_is_refused(slug):
    with pytest.raises(ValidationError) as refused:
        instrument_save(actor=StaffUserFactory(), data={**NEW, "slug": slug})
    assert "reserved" in str(refused.value)
    assert not Instrument.objects.exists()


def test_a_name_that_is_a_reserved_word_gets_a_free_address():
    instrument = instrument_save(actor=StaffUserFactory(), data={**NEW, "name_nl": "Import"})
    assert instrument.slug == "import-instrument"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("sectors", "C, Z9", "Unknown SBI section(s): Z9"), ("countries", "NL, XX", "Unknown country code(s): XX")],
)
def test_unknown_codes_are_named_in_the_message(field, value, message):
    with pytest.raises(ValidationError) as refused:
        normalise_codes(value, field=field)
    assert message in str(refused.value)


def test_only_rvo_staff_manage_the_registry():
    for actor in (member_of(), MinistryUserFactory(), None):
        with pytest.raises(NotAllowed):
            instrument_save(actor=actor, data=NEW)
    assert not Instrument.objects.exists() and not AuditEvent.objects.filter(action="instrument.create").exists()


def test_an_update_audits_the_changed_fields_and_a_save_without_changes_writes_nothing():
    staff = StaffUserFactory()
    instrument = instrument_save(actor=staff, data=NEW)
    instrument_save(actor=staff, instrument=instrument, data={"name_en": "Cleaner Production Scheme"})
    update = AuditEvent.objects.get(action="instrument.update", object_id=str(instrument.pk))
    assert update.details["changed"] == ["name_en"]
    instrument_save(actor=staff, instrument=instrument, data={"name_en": "Cleaner Production Scheme"})
    assert AuditEvent.objects.filter(action="instrument.update").count() == 1


def test_invalid_data_on_update_leaves_the_instrument_as_it_was():
    staff = StaffUserFactory()
    instrument = instrument_save(actor=staff, data=NEW)
    with pytest.raises(ValidationError):
        instrument_save(actor=staff, instrument=instrument, data={"name_nl": "Nieuw", "sectors": "??"})
    instrument.refresh_from_db()
    assert instrument.name_nl == NEW["name_nl"]


# --- phases ---------------------------------------------------------------------------------------


def test_moving_a_phase_date_moves_the_instruments_decided_into_it():
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="C")
    assess(instrument, staff, size=2)
    start = timezone.localdate() + timedelta(days=30)
    phase = PhaseFactory(effective_from=start)
    level_publish(instrument=instrument, actor=staff, level=2, purpose_links=links(2), phase=phase)
    later = start + timedelta(days=60)
    phase_save(actor=staff, phase=phase, data={"effective_from": later})
    instrument.refresh_from_db()
    assert instrument.level_effective_from == later
    event = AuditEvent.objects.get(action="instrument.phase_update", object_id=str(phase.pk))
    assert event.details["moved"] == [instrument.code]


def test_only_staff_change_phases():
    phase = PhaseFactory()
    with pytest.raises(NotAllowed):
        phase_save(actor=member_of(), phase=phase, data={"name_nl": "Anders"})
    phase.refresh_from_db()
    assert phase.name_nl != "Anders"


# --- the catalogue --------------------------------------------------------------------------------


def test_the_catalogue_filters_by_every_word_of_the_query_and_by_code():
    InstrumentFactory(name_nl="Regeling Waterstof Noord", code="W-1")
    InstrumentFactory(name_nl="Regeling Waterstof Zuid", code="W-2")
    InstrumentFactory(name_nl="Regeling Zon", code="Z-1")
    names = lambda q: [i.name_nl for i in instrument_list(filters=InstrumentFilters(q=q))]  # noqa: E731
    assert names("waterstof zuid") == ["Regeling Waterstof Zuid"]
    assert names("z-1") == ["Regeling Zon"]
    assert names("kernfusie") == []


def test_the_catalogue_stage_filter_follows_the_date_a_level_takes_effect():
    staff = StaffUserFactory()
    in_force, planned = InstrumentFactory(sectors="C"), InstrumentFactory(sectors="C")
    information = InstrumentFactory()
    for instrument, days in ((in_force, -1), (planned, 30)):
        assess(instrument, staff, size=2)
        phase = PhaseFactory(effective_from=timezone.localdate() + timedelta(days=days))
        level_publish(instrument=instrument, actor=staff, level=2, purpose_links=links(2), phase=phase)
    stage = lambda s: set(instrument_list(filters=InstrumentFilters(stage=s)))  # noqa: E731
    assert stage(FrameworkStage.IN_FORCE) == {in_force}
    assert stage(FrameworkStage.PLANNED) == {planned}
    assert stage(FrameworkStage.INFORMATION) == {information}


# --- applications ---------------------------------------------------------------------------------


def test_an_application_is_seen_by_its_members_and_staff_and_is_a_404_for_anyone_else():
    instrument = InstrumentFactory()
    applicant = member_of()
    application = application_start(
        instrument=instrument, organisation=organisation_of(applicant), reference="A-1", actor=applicant
    )
    assert application_get_for(user=applicant, pk=application.pk) == application
    assert application_get_for(user=StaffUserFactory(), pk=application.pk) == application
    for outsider in (member_of(), MinistryUserFactory()):
        with pytest.raises(Http404):
            application_get_for(user=outsider, pk=application.pk)
    for pk in ("x", None, application.pk + 1000):
        with pytest.raises(Http404):
            application_get_for(user=applicant, pk=pk)


def test_starting_again_with_the_same_reference_finds_the_same_application_once_audited():
    instrument = InstrumentFactory()
    applicant = member_of()
    organisation = organisation_of(applicant)
    first = application_start(instrument=instrument, organisation=organisation, reference=" A  1 ", actor=applicant)
    again = application_start(instrument=instrument, organisation=organisation, reference="A 1", actor=applicant)
    assert first == again and first.reference == "A 1"
    assert AuditEvent.objects.filter(action="instrument.application_start").count() == 1


def test_a_member_of_another_organisation_cannot_start_one_for_it():
    with pytest.raises(NotAllowed):
        application_start(
            instrument=InstrumentFactory(), organisation=organisation_of(member_of()), reference="X", actor=member_of()
        )
    assert not InstrumentApplication.objects.exists()


def test_only_staff_resolve_a_follow_up_and_resolving_twice_records_it_once():
    staff = StaffUserFactory()
    applicant = member_of()
    application = application_start(
        instrument=InstrumentFactory(), organisation=organisation_of(applicant), reference="F-1", actor=applicant
    )
    follow_up = FrameworkFollowUp.objects.create(application=application, reason="Plan", guidance="Bel RVO")
    with pytest.raises(NotAllowed):
        follow_up_resolve(follow_up=follow_up, actor=applicant)
    follow_up_resolve(follow_up=follow_up, actor=staff)
    follow_up_resolve(follow_up=follow_up, actor=staff)
    follow_up.refresh_from_db()
    assert follow_up.resolved_at is not None
    assert AuditEvent.objects.filter(action="instrument.follow_up_resolve").count() == 1


# --- pages ----------------------------------------------------------------------------------------


def test_the_start_page_offers_only_the_users_own_organisations(client):
    instrument = InstrumentFactory()
    applicant = member_of()
    other = Organisation.objects.get(memberships__user=member_of())
    client.force_login(applicant)
    response = client.post(
        reverse("instruments:apply", args=[instrument.slug]), {"organisation": other.pk, "reference": "Z-9"}
    )
    assert response.status_code == 302
    assert not InstrumentApplication.objects.exists()
    page = client.get(reverse("instruments:apply", args=[instrument.slug])).content.decode()
    assert organisation_of(applicant).name in page and other.name not in page


def test_an_application_page_of_another_organisation_is_a_404(client):
    applicant = member_of()
    application = application_start(
        instrument=InstrumentFactory(), organisation=organisation_of(applicant), reference="P-1", actor=applicant
    )
    client.force_login(member_of())
    assert client.get(reverse("instruments:application", args=[application.pk])).status_code == 404
    client.force_login(applicant)
    assert client.get(reverse("instruments:application", args=[application.pk])).status_code == 200


def test_the_catalogue_says_so_when_nothing_matches(client):
    InstrumentFactory(name_nl="Regeling Zon")
    body = client.get(reverse("instruments:list"), {"q": "kernfusie"}, HTTP_COOKIE="django_language=en").content
    assert b"Regeling Zon" not in body
    assert b"No instruments" in body or b"no instruments" in body
