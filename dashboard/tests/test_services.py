from collections import Counter, defaultdict

import pytest

from dashboard.disclosure import UPTAKE_MEASURES, contribution, random_round
from dashboard.models import AttendanceFact, PublishedUptakeRollup, RegistrationFact, UptakeProfile, UptakeRollup
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
    """The true figures (never shown as they are; the published ones are tested below)."""
    return _scope(Filters(**filters), UptakeRollup.objects.all()).aggregate(**_sums())


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
            subject=registration,
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


def _published_rows() -> dict:
    names = [f.name for f in PublishedUptakeRollup._meta.concrete_fields if f.name != "id"]
    return {row[:6]: row[6:] for row in PublishedUptakeRollup.objects.values_list(*names)}


def _true_rows() -> dict:
    names = [f.name for f in UptakeRollup._meta.concrete_fields if f.name != "id"]
    return {row[:6]: row[6:] for row in UptakeRollup.objects.values_list(*names)}


def test_published_rollups_are_the_sum_of_profile_sizes_times_one_organisation(settings):
    missions = [make_mission(year=2024), make_mission(year=2025, country="IN")]
    for i in range(13):
        organisation = OrganisationFactory(sector="CJ"[i % 2])
        register(missions[0], organisation, decision=[Decision.ENDORSED, None][i % 3 == 0])
        if i % 4 == 0:
            register(missions[1], organisation, decision=Decision.NOT_ENDORSED)
    rollups_refresh()
    expected: dict = defaultdict(Counter)
    profiles = list(UptakeProfile.objects.all())
    assert sum(p.organisations for p in profiles) == 13
    for profile in profiles:
        assert profile.published % 5 == 0 and abs(profile.published - profile.organisations) < 5
        for key, measures in contribution(profile.signature).items():
            for name, value in zip(UPTAKE_MEASURES, measures, strict=True):
                expected[key][name] += profile.published * value
    expected_rows = {key: tuple(m[n] for n in UPTAKE_MEASURES) for key, m in expected.items() if m["registrations"]}
    assert _published_rows() == expected_rows


def test_with_base_one_the_published_figures_are_the_true_ones(settings):
    settings.DASHBOARD_MIN_CELL = 1
    organisation = OrganisationFactory()
    register(make_mission(year=2024), organisation)
    register(make_mission(year=2025), organisation, decision=None)
    for _ in range(3):
        register(make_mission(year=2025), decision=Decision.NOT_ENDORSED)
    rollups_refresh()
    assert _published_rows() == _true_rows()


def test_the_rounding_depends_on_the_key_and_is_unbiased(settings):
    settings.DASHBOARD_MIN_CELL = 5
    settings.DASHBOARD_ROUNDING_KEY = bytes(range(32)).hex()
    draws = [random_round(f"profile {i}", 3) for i in range(2000)]
    assert set(draws) == {0, 5}
    assert 0.55 < draws.count(5) / len(draws) < 0.65  # up with probability 3/5
    assert draws == [random_round(f"profile {i}", 3) for i in range(2000)]  # deterministic
    settings.DASHBOARD_ROUNDING_KEY = bytes(range(100, 132)).hex()
    assert draws != [random_round(f"profile {i}", 3) for i in range(2000)]
    assert [random_round("x", v) for v in (0, 5, 10, 1235)] == [0, 5, 10, 1235]
