"""The back-office lists run a bounded number of queries per page, however many rows there are."""

import pytest
from django.urls import reverse

from audit.services import audit_event_record
from declarations.constants import Decision
from missions.constants import RegistrationStatus
from missions.models import Registration
from organisations.models import Organisation
from staff.models import FollowUpAction
from staff.services import session_agenda_ensure
from tests.factories import StaffUserFactory
from tests.mfa import login_staff

from .factories import MissionFactory, SessionFactory, declare

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_mission():
    mission = MissionFactory(capacity_max=500)
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"Bedrijf {i:03d} B.V.",
            kvk_number=f"{50000000 + i:08d}",
            sector="C",
            city="Utrecht",
            employees=800 if i % 3 == 0 else 40,
            annual_turnover_eur=90_000_000 if i % 3 == 0 else 1_000_000,
            kind="company" if i % 4 else "knowledge_institution",
            size_class="large" if i % 3 == 0 else "sme",
        )
        for i in range(500)
    )
    registrations = Registration.objects.bulk_create(
        Registration(
            mission=mission,
            organisation=o,
            status=RegistrationStatus.CONFIRMED if i < 300 else RegistrationStatus.WAITLISTED,
            waitlist_position=None if i < 300 else i - 299,
        )
        for i, o in enumerate(organisations)
    )
    for registration in registrations[:20]:
        declare(registration, Decision.ENDORSED if registration.pk % 2 else Decision.NOT_ENDORSED)
    for i, organisation in enumerate(organisations[:40]):
        FollowUpAction.objects.create(
            organisation=organisation, mission=mission, topic=f"Actie {i}", due_on="2020-01-01"
        )
        audit_event_record(action="test.event", obj=organisation, details={"i": i})
    for _ in range(5):
        session_agenda_ensure(session=SessionFactory(mission=mission))
    return mission


@pytest.mark.parametrize(
    "url_name, args, query",
    [
        ("staff:registration_list", True, ""),
        ("staff:registration_list", True, "?sort=-decision&page=3"),
        ("staff:registration_list", True, "?status=waitlisted&size=large&kind=company"),
        ("staff:mission_detail", True, ""),
        ("staff:overview", False, ""),
        ("staff:follow_up_list", False, ""),
        ("staff:audit", False, "?organisation=Bedrijf"),
        ("staff:mission_list", False, ""),
    ],
)
def test_list_queries_are_bounded(client, django_assert_max_num_queries, big_mission, url_name, args, query):
    login_staff(client, StaffUserFactory())
    url = reverse(url_name, args=[big_mission.pk] if args else []) + query
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200


def test_exports_queries_are_bounded(client, django_assert_max_num_queries, big_mission):
    login_staff(client, StaffUserFactory())
    with django_assert_max_num_queries(15):
        response = client.get(reverse("staff:export", args=[big_mission.pk, "registrations", "csv"]))
    assert response.content.decode("utf-8-sig").count("\n") == 501
