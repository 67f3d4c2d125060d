"""The list queries of the catalogue and the back-office use their indexes (PostgreSQL plans).

Timings belong in ``bench/``; this only guards the shape: with history in the tables (missions
that have ended, tens of thousands of registrations), the page queries reach the rows they show
through an index, never by reading every registration.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from missions.constants import RegistrationStatus
from missions.models import Mission, Registration
from missions.selectors import mission_list_published, registration_counts_by_status
from missions.tests.factories import MissionFactory
from organisations.models import Organisation
from staff import selectors
from staff.models import FollowUpAction
from tests.factories import StaffUserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

S = RegistrationStatus
STATUSES = [S.CONFIRMED] * 6 + [S.WAITLISTED, S.WITHDRAWN, S.HELD_FOR_REVIEW, S.PENDING_SIGNATURE]


@pytest.fixture
def history():
    """60 missions (5 not yet over), 1,500 organisations, 30,000 registrations, 6,000 follow-ups."""
    today = timezone.localdate()
    missions = []
    for i in range(60):
        starts = today - timedelta(days=30 * (55 - i))
        missions.append(MissionFactory.build(starts_on=starts, ends_on=starts + timedelta(days=5)))
    Mission.objects.bulk_create(missions)
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Org {i}", kvk_number=f"{50000000 + i:08d}", kind="company", sector="C", city="X")
        for i in range(1500)
    )
    now = timezone.now()
    Registration.objects.bulk_create(
        (
            Registration(
                mission=mission,
                organisation=organisations[(m * 7 + j) % len(organisations)],
                status=STATUSES[j % len(STATUSES)],
                status_changed_at=now - timedelta(minutes=j),
            )
            for m, mission in enumerate(missions)
            for j in range(500)
        ),
        batch_size=5000,
    )
    owner = StaffUserFactory()
    FollowUpAction.objects.bulk_create(
        (
            FollowUpAction(
                organisation=organisations[i % len(organisations)],
                mission=missions[i % len(missions)],
                topic="Opvolging",
                owner=owner,
                created_by=owner,
                due_on=today + timedelta(days=i % 90),
                done_at=None if i % 30 == 0 else now,
            )
            for i in range(6000)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return missions


def plan(queryset) -> str:
    return queryset.explain()


def assert_reads_by_index(text: str, table: str) -> None:
    """``table`` is reached through one of its indexes (which one depends on the statistics)."""
    assert re.search(rf"(Index (Only )?Scan using \S+|Bitmap Heap Scan) on {table}\b", text), text
    assert f"Seq Scan on {table}" not in text, text


def test_page_queries_read_registrations_and_follow_ups_through_indexes(history):
    # The catalogue counts seats for the missions on its page only.
    page = list(mission_list_published()[:10])
    assert_reads_by_index(plan(registration_counts_by_status([m.pk for m in page])), "missions_registration")
    # The back-office start page: work lists of current missions.
    current = selectors.missions_current_ids()
    for queryset in (
        selectors.registrations_awaiting_review(missions=current, limit=20),
        selectors.registrations_pending_signature(missions=current, limit=20),
        selectors.registrations_declined(missions=current)[:20],
    ):
        assert_reads_by_index(plan(queryset), "missions_registration")
    assert_reads_by_index(plan(selectors.follow_ups_open(missions=current)[:20]), "staff_followupaction")
    # The staff mission list pages missions alone; counts come per page (mission_counts_attach).
    assert "missions_registration" not in plan(selectors.mission_list_for_staff()[:20])
