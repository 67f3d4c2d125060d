""" "Registration open" is one rule (missions/rules.py): every place that asks gets the same answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from missions.constants import Availability, MissionStatus
from missions.models import Mission
from missions.rules import CLOSED, NOT_YET_OPEN, OPEN, registration_open, registration_open_q, registration_window
from missions.selectors import MissionFilters, mission_availability, mission_list_published, with_seat_counts
from missions.tests.factories import MissionFactory

pytestmark = pytest.mark.django_db

MICRO = timedelta(microseconds=1)


def _moments(mission):
    opens, closes = mission.registration_opens_at, mission.registration_closes_at
    return [opens - timedelta(days=1), opens - MICRO, opens, opens + MICRO, closes - MICRO, closes, closes + MICRO]


@pytest.mark.parametrize("status", list(MissionStatus))
def test_python_and_database_agree_at_every_boundary(status):
    mission = MissionFactory(status=status)
    for now in _moments(mission):
        in_database = Mission.objects.filter(pk=mission.pk).filter(registration_open_q(now)).exists()
        assert registration_open(mission, now) == in_database == mission.registration_is_open(now), (status, now)


def test_the_window_opens_inclusively_and_closes_exclusively():
    mission = MissionFactory(status=MissionStatus.PUBLISHED)
    opens, closes = mission.registration_opens_at, mission.registration_closes_at
    assert registration_window(mission, opens - MICRO) == NOT_YET_OPEN
    assert registration_window(mission, opens) == OPEN
    assert registration_window(mission, closes - MICRO) == OPEN
    assert registration_window(mission, closes) == CLOSED
    mission.status = MissionStatus.CLOSED
    assert registration_window(mission, opens) == CLOSED


def test_catalogue_filter_and_availability_follow_the_rule():
    now = timezone.now()
    open_ = MissionFactory()
    soon = MissionFactory(registration_opens_at=now + timedelta(days=1))
    past = MissionFactory(registration_opens_at=now - timedelta(days=9), registration_closes_at=now - timedelta(days=1))
    closed = MissionFactory(status=MissionStatus.CLOSED)
    listed_open = set(mission_list_published(filters=MissionFilters(state="open")))
    listed_closed = set(mission_list_published(filters=MissionFilters(state="closed")))
    assert listed_open == {open_} and listed_closed == {soon, past, closed}
    availability = {m.pk: mission_availability(m) for m in with_seat_counts(Mission.objects.all())}
    assert availability == {
        open_.pk: Availability.OPEN,
        soon.pk: Availability.NOT_YET_OPEN,
        past.pk: Availability.CLOSED,
        closed.pk: Availability.CLOSED,
    }
