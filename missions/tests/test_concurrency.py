"""30 simultaneous submissions for 15 seats, on PostgreSQL, each thread with its own connection."""

from functools import partial

import pytest

from declarations.services import declarations_verify
from missions.constants import RegistrationStatus as S
from missions.models import Registration
from missions.services import registration_submit
from tests.factories import member_of
from tests.races import run_concurrently

from .factories import MissionFactory, draft_ready, endorse_answer, published_text

CONCURRENT = 30
SEATS = 15


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_registrations_fill_exactly_fifteen_seats():
    text = published_text()
    mission = MissionFactory(capacity_min=5, capacity_max=SEATS)
    drafts = []
    for _ in range(CONCURRENT):
        user = member_of()
        drafts.append((draft_ready(mission=mission, user=user, answer=endorse_answer(text)), user))
    results = run_concurrently([partial(registration_submit, registration=r, actor=u) for r, u in drafts])
    assert results.errors == []
    registrations = Registration.objects.filter(mission=mission)
    assert registrations.filter(status=S.CONFIRMED).count() == SEATS
    positions = sorted(registrations.filter(status=S.WAITLISTED).values_list("waitlist_position", flat=True))
    assert positions == list(range(1, CONCURRENT - SEATS + 1))
    result = declarations_verify()
    assert result.ok and result.checked == CONCURRENT
