"""The incremental refresh follows the outbox of changes and gives the figures a full rebuild gives."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dashboard.models import (
    AttendanceRollup,
    BrochureRollup,
    DashboardRelease,
    FactChange,
    PublishedUptakeRollup,
    RefreshState,
    RegistrationFact,
    UptakeOrganisation,
    UptakeProfile,
    UptakeRollup,
)
from dashboard.services import rollups_rebuild, rollups_refresh, rollups_refresh_if_stale
from declarations.constants import Decision
from declarations.services import declaration_record
from missions.constants import RegistrationStatus
from missions.models import Attendance, Mission, Registration
from organisations.constants import SizeClass
from organisations.models import Organisation
from tests.factories import MinistryUserFactory, OrganisationFactory, StaffUserFactory
from tests.mfa import login_staff

from .helpers import attend, make_mission, register, text

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    def rows(model):
        names = [f.name for f in model._meta.concrete_fields if f.name != "id"]
        return sorted(tuple(row) for row in model.objects.values_list(*names))

    return {
        model.__name__: rows(model)
        for model in (
            UptakeRollup,
            AttendanceRollup,
            BrochureRollup,
            UptakeOrganisation,
            RegistrationFact,
            PublishedUptakeRollup,
            UptakeProfile,
        )
    }


def figures(snap: dict) -> dict:
    """Everything but the facts' own timestamps, which a rebuild legitimately moves."""
    return {name: rows for name, rows in snap.items() if name != "RegistrationFact"}


def test_source_changes_land_in_the_outbox():
    mission = make_mission()
    FactChange.objects.all().delete()
    registration = register(mission, decision=None)
    assert FactChange.objects.filter(kind="r", key=registration.pk).exists()
    FactChange.objects.all().delete()
    Organisation.objects.filter(pk=registration.organisation_id).update(size_class=SizeClass.LARGE)
    Mission.objects.filter(pk=mission.pk).update(country="IN")
    Mission.objects.filter(pk=mission.pk).update(title_nl="Alleen de titel")  # no fact depends on it
    attendance = attend(registration)
    assert set(FactChange.objects.values_list("kind", "key")) == {
        ("o", registration.organisation_id),
        ("m", mission.pk),
        ("a", attendance.pk),
    }


def _varied_history():
    """Missions in two years and countries, organisations on several missions, all decisions."""
    missions = [make_mission(year=2025, country="JP"), make_mission(year=2025, country="KE"), make_mission(year=2026)]
    shared = [OrganisationFactory() for _ in range(3)]
    registrations = []
    for mission in missions:
        for organisation in shared:
            registrations.append(register(mission, organisation))
        registrations.append(register(mission, decision=Decision.NOT_ENDORSED))
        registrations.append(register(mission, decision=None, status=RegistrationStatus.PENDING_SIGNATURE))
    attend(registrations[0])
    attend(registrations[1], status="invited")
    return missions, shared, registrations


@pytest.mark.parametrize("base", [5, 2])
def test_incremental_refresh_gives_the_same_figures_as_a_full_rebuild(settings, base):
    """True and published rollups and profiles alike (with base 2 more profiles are rounded)."""
    settings.DASHBOARD_MIN_CELL = base
    missions, shared, registrations = _varied_history()
    first = rollups_refresh()  # the first refresh of an empty dashboard is a rebuild
    assert first.rebuilt_at is not None and not FactChange.objects.exists()

    # Every kind of change the outbox knows about.
    register(missions[0])  # new organisation, new registration
    register(missions[2], registrations[3].organisation)  # an organisation already counted in 2025, now in 2026
    withdrawn = registrations[0]
    Registration.objects.filter(pk=withdrawn.pk).update(status=RegistrationStatus.WITHDRAWN)
    with transaction.atomic():
        declaration_record(
            subject=registrations[4],
            actor=None,
            text=text(),
            decision=Decision.ENDORSED,
            signatory_name="A",
            signatory_position="B",
            confirms_authority=True,
        )  # pending → endorsed
    with transaction.atomic():
        declaration_record(
            subject=registrations[1],
            actor=None,
            text=text(),
            decision=Decision.WITHDRAWN,
            signatory_name="A",
            signatory_position="B",
            confirms_authority=False,
        )  # endorsed → withdrawn: the organisation may no longer count as endorsed in its year
    organisation = Organisation.objects.get(pk=shared[2].pk)
    Organisation.objects.filter(pk=organisation.pk).update(
        size_class=SizeClass.LARGE if organisation.size_class != SizeClass.LARGE else SizeClass.SME, sector="Q"
    )
    moved = Mission.objects.get(pk=missions[1].pk)
    moved.country, moved.starts_on = "IN", moved.starts_on.replace(year=2024)  # still before it ends
    moved.save(update_fields=["country", "starts_on"])
    Attendance.objects.filter(status="invited").update(status="excused")
    attend(registrations[5], status="absent")

    incremental = rollups_refresh()
    assert incremental.changes > 0 and incremental.rebuilt_at == first.rebuilt_at
    assert not FactChange.objects.exists()
    after_incremental = snapshot()

    rollups_rebuild()
    assert figures(snapshot()) == figures(after_incremental)
    assert {r[0] for r in snapshot()["RegistrationFact"]} == {r[0] for r in after_incremental["RegistrationFact"]}


def test_a_refresh_without_changes_touches_no_fact(django_assert_max_num_queries):
    _varied_history()
    rollups_refresh()
    before = snapshot()
    with django_assert_max_num_queries(15):  # independent of the number of facts
        state = rollups_refresh()
    assert state.changes == 0 and snapshot() == before


def test_the_dashboard_refreshes_on_read_when_stale_without_beat(client, settings):
    """Issue 14: in the embedded default (no beat) the page said "every five minutes" and never changed."""
    settings.DASHBOARD_REFRESH_ON_READ = True
    mission = make_mission()
    register(mission)
    rollups_refresh()
    login_staff(client, StaffUserFactory())  # RVO staff see the live figures
    start = timezone.now()
    for _ in range(5):
        register(mission)
    with time_machine.travel(start + timedelta(minutes=1)):
        client.get(reverse("dashboard:index"))
        assert RefreshState.objects.get().facts == 1  # fresh enough: not refreshed
    with time_machine.travel(start + timedelta(minutes=15)):
        response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    assert RefreshState.objects.get().facts == 6


def test_without_beat_the_ministry_page_publishes_the_due_release(client, settings):
    settings.DASHBOARD_REFRESH_ON_READ = True
    register(make_mission())
    login_staff(client, MinistryUserFactory())
    client.get(reverse("dashboard:index"))
    assert DashboardRelease.objects.count() == 1
    client.get(reverse("dashboard:index"))
    assert DashboardRelease.objects.count() == 1  # once per period
    settings.DASHBOARD_REFRESH_ON_READ = False
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        client.get(reverse("dashboard:index"))
    assert DashboardRelease.objects.count() == 1  # with beat, only beat publishes


def test_refresh_if_stale_leaves_fresh_figures_alone():
    rollups_refresh()
    assert rollups_refresh_if_stale(max_age_seconds=300) is None
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        assert rollups_refresh_if_stale(max_age_seconds=300) is not None


def test_the_refresh_command_applies_changes_and_rebuilds_on_request():
    from io import StringIO

    from django.core.management import call_command

    mission = make_mission()
    register(mission)
    out = StringIO()
    call_command("dashboard_refresh", stdout=out)
    register(mission)
    call_command("dashboard_refresh", stdout=out)
    assert "refreshed (" in out.getvalue() and RefreshState.objects.get().facts == 2
    UptakeRollup.objects.all().delete()  # damaged
    call_command("dashboard_refresh", "--full", stdout=out)
    assert "rebuilt" in out.getvalue() and UptakeRollup.objects.filter(mission_id=0, year=0).exists()


def test_a_new_or_renamed_mission_reaches_the_dashboard_at_the_next_refresh():
    from dashboard.models import MissionDimension

    first = make_mission()
    rollups_refresh()
    assert set(MissionDimension.objects.values_list("mission_id", flat=True)) == {first.pk}

    second = make_mission()
    Mission.objects.filter(pk=first.pk).update(title_nl="Nieuwe titel", title_en="New title")
    rollups_refresh()

    dimensions = {d.mission_id: d for d in MissionDimension.objects.all()}
    assert set(dimensions) == {first.pk, second.pk}
    assert (dimensions[first.pk].title_nl, dimensions[first.pk].title_en) == ("Nieuwe titel", "New title")
