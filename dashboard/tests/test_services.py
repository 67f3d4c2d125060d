import pytest

from dashboard.models import AttendanceFact, RegistrationFact, UptakeRollup
from dashboard.selectors import Filters, _scope, _sums
from dashboard.services import rollups_refresh
from declarations.constants import Decision
from declarations.services import declaration_personal_data_erase
from missions.constants import RegistrationStatus
from missions.models import Participant, Registration
from tests.factories import OrganisationFactory

from .helpers import attend, make_mission, register

pytestmark = pytest.mark.django_db


def totals(**filters):
    return _scope(Filters(**filters)).aggregate(**_sums())


def test_refresh_counts_submitted_registrations_and_current_decisions():
    mission = make_mission()
    for _ in range(3):
        register(mission)
    register(mission, decision=Decision.NOT_ENDORSED, status=RegistrationStatus.HELD_FOR_REVIEW)
    register(mission, decision=None, status=RegistrationStatus.PENDING_SIGNATURE)
    register(mission, decision=None, status=RegistrationStatus.DRAFT)

    state = rollups_refresh()

    assert state.facts == 5
    t = totals()
    assert (t["registrations"], t["organisations"], t["organisations_endorsed"]) == (5, 5, 3)
    assert (t["declarations_endorsed"], t["declarations_not_endorsed"], t["declarations_pending"]) == (3, 1, 1)


def test_withdrawal_record_counts_as_not_endorsed_and_refresh_is_idempotent():
    registration = register(make_mission())
    from django.db import transaction

    from declarations.services import declaration_record

    from .helpers import text

    with transaction.atomic():
        declaration_record(
            registration=registration,
            actor=None,
            text=text(),
            decision=Decision.WITHDRAWN,
            signatory_name="X",
            signatory_position="Y",
            confirms_authority=False,
        )
    rollups_refresh()
    first = list(UptakeRollup.objects.order_by("pk").values(*[f.name for f in UptakeRollup._meta.fields][1:]))
    rollups_refresh()
    second = list(UptakeRollup.objects.order_by("pk").values(*[f.name for f in UptakeRollup._meta.fields][1:]))
    assert first == second
    assert totals()["declarations_not_endorsed"] == 1
    assert totals()["organisations_endorsed"] == 0


def test_figures_survive_erasure_and_deletion_of_personal_rows():
    mission = make_mission()
    kept = [register(mission) for _ in range(5)]
    pending = register(mission, decision=None, status=RegistrationStatus.PENDING_SIGNATURE)
    attend(kept[0])
    attend(pending, status="absent")
    rollups_refresh()
    before = totals()

    declaration_personal_data_erase(declaration=kept[0].current_declaration)
    Participant.objects.all().delete()  # cascades to the attendance records
    Registration.objects.filter(pk=pending.pk).delete()
    rollups_refresh()

    assert totals() == before
    assert RegistrationFact.objects.count() == 6
    assert AttendanceFact.objects.count() == 2


def test_organisation_counted_once_across_missions_and_years():
    organisation = OrganisationFactory()
    register(make_mission(year=2024), organisation)
    register(make_mission(year=2025), organisation)
    rollups_refresh()
    assert totals()["organisations"] == 1
    assert totals()["registrations"] == 2
    assert totals(year=2024)["organisations"] == 1


def test_category_changes_of_a_live_organisation_are_followed():
    organisation = OrganisationFactory(sector="C")
    register(make_mission(), organisation)
    rollups_refresh()
    organisation.sector = "J"
    organisation.save()
    rollups_refresh()
    assert totals(sector="J")["organisations"] == 1
    assert totals(sector="C")["organisations"] is None
