"""30 simultaneous submissions for 15 seats, on PostgreSQL, each thread with its own connection."""

import threading

import pytest
from django.db import connection

from declarations.services import declarations_verify
from missions.constants import RegistrationStatus as S
from missions.models import Registration
from missions.services import registration_submit
from tests.factories import member_of

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
    barrier = threading.Barrier(CONCURRENT)
    errors: list[BaseException] = []

    def submit(registration, user):
        try:
            barrier.wait(timeout=30)
            registration_submit(registration=registration, actor=user)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=pair) for pair in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    registrations = Registration.objects.filter(mission=mission)
    assert registrations.filter(status=S.CONFIRMED).count() == SEATS
    positions = sorted(registrations.filter(status=S.WAITLISTED).values_list("waitlist_position", flat=True))
    assert positions == list(range(1, CONCURRENT - SEATS + 1))
    result = declarations_verify()
    assert result.ok and result.checked == CONCURRENT
