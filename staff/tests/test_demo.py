"""The back-office demo seeder touches the demo missions only, so it costs the same beside any
amount of other data (issue 15: seed_demo grew with the database)."""

import pytest

from dashboard.tests.helpers import make_mission, register
from declarations.constants import Decision
from missions.constants import RegistrationStatus
from staff import demo
from staff.models import FollowUpAction

pytestmark = pytest.mark.django_db


def test_follow_ups_are_only_made_for_demo_missions(django_assert_max_num_queries):
    other = make_mission()
    for _ in range(3):
        register(other, decision=Decision.NOT_ENDORSED, status=RegistrationStatus.HELD_FOR_REVIEW)
    with django_assert_max_num_queries(5):  # no query per registration of other missions
        demo.seed(companies=1, password="x", log=lambda message: None)
    assert not FollowUpAction.objects.filter(mission=other).exists()
