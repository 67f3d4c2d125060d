"""The mission lifecycle (``missions.lifecycle.MISSION_TRANSITIONS``) through its services."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from missions import services
from missions.constants import MissionStatus, RegistrationStatus
from missions.exceptions import CapacityBelowConfirmed, InvalidMissionTransition, MissionNotReadyToPublish
from notifications.models import OutboxMessage
from tests.factories import StaffUserFactory

from .factories import MissionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    return StaffUserFactory(email="medewerker@rvo.example")


def mission_data(**overrides):
    today = timezone.localdate()
    data = {
        "slug": "kwantum-korea",
        "title_nl": "Kwantummissie Zuid-Korea",
        "title_en": "Quantum mission South Korea",
        "summary_nl": "Kort.",
        "summary_en": "Short.",
        "description_nl": "Lang verhaal.",
        "description_en": "Long story.",
        "country": "KR",
        "theme": "digital",
        "starts_on": today + timedelta(days=90),
        "ends_on": today + timedelta(days=95),
        "registration_opens_at": timezone.now(),
        "registration_closes_at": timezone.now() + timedelta(days=40),
        "capacity_min": 5,
        "capacity_max": 15,
        "requires_declaration": True,
    }
    return {**data, **overrides}


def test_mission_create_is_draft_and_audited(staff_user):
    mission = services.mission_create(actor=staff_user, data=mission_data())
    assert mission.status == MissionStatus.DRAFT
    event = AuditEvent.objects.get(action="mission.create")
    assert event.actor == staff_user and event.object_id == str(mission.pk)


def test_mission_create_validates(staff_user):
    with pytest.raises(ValidationError):
        services.mission_create(actor=staff_user, data=mission_data(capacity_min=10, capacity_max=5))


def test_publish_needs_a_description_in_both_languages(staff_user):
    mission = MissionFactory(status=MissionStatus.DRAFT, description_en="   ")
    with pytest.raises(MissionNotReadyToPublish) as error:
        services.mission_transition(actor=staff_user, mission=mission, action="publish")
    assert "English" in str(error.value.message) or "Engels" in str(error.value.message)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DRAFT


def test_publish_refuses_start_date_in_the_past(staff_user):
    mission = MissionFactory(status=MissionStatus.DRAFT, starts_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(MissionNotReadyToPublish):
        services.mission_transition(actor=staff_user, mission=mission, action="publish")


def test_lifecycle_publish_close_complete(staff_user):
    mission = MissionFactory(status=MissionStatus.DRAFT)
    services.mission_transition(actor=staff_user, mission=mission, action="publish")
    services.mission_transition(actor=staff_user, mission=mission, action="close")
    mission.refresh_from_db()
    assert mission.status == MissionStatus.CLOSED
    with pytest.raises(InvalidMissionTransition):  # has not started yet
        services.mission_transition(actor=staff_user, mission=mission, action="complete")
    assert list(
        AuditEvent.objects.filter(object_id=str(mission.pk)).values_list("action", flat=True).order_by("id")
    ) == ["mission.publish", "mission.close"]


def test_invalid_transition_is_refused(staff_user):
    mission = MissionFactory(status=MissionStatus.DRAFT)
    with pytest.raises(InvalidMissionTransition):
        services.mission_transition(actor=staff_user, mission=mission, action="close")
    with pytest.raises(InvalidMissionTransition):
        services.mission_transition(actor=staff_user, mission=mission, action="explode")


def test_cancel_needs_reason_and_notifies_registered_organisations(staff_user):
    mission = MissionFactory()
    confirmed = RegistrationFactory(mission=mission, status=RegistrationStatus.CONFIRMED)
    waiting = RegistrationFactory(mission=mission, status=RegistrationStatus.WAITLISTED, waitlist_position=1)
    RegistrationFactory(mission=mission, status=RegistrationStatus.WITHDRAWN)
    with pytest.raises(InvalidMissionTransition):
        services.mission_transition(actor=staff_user, mission=mission, action="cancel", reason=" ")
    services.mission_transition(actor=staff_user, mission=mission, action="cancel", reason="Te weinig deelnemers.")
    messages = OutboxMessage.objects.filter(kind="registration.mission_cancelled")
    assert sorted(m.to[0] for m in messages) == sorted([confirmed.submitted_by.email, waiting.submitted_by.email])
    assert "Te weinig deelnemers." in messages[0].body_text
    assert "geannuleerd" in messages[0].subject.lower()  # Dutch, the recipients' language


def test_capacity_cannot_go_below_confirmed(staff_user):
    mission = MissionFactory(capacity_min=1, capacity_max=3)
    RegistrationFactory.create_batch(3, mission=mission, status=RegistrationStatus.CONFIRMED)
    with pytest.raises(CapacityBelowConfirmed) as error:
        services.mission_update(actor=staff_user, mission=mission, data={"capacity_max": 2})
    assert "3" in str(error.value.message)
    mission.refresh_from_db()
    assert mission.capacity_max == 3


def test_capacity_increase_notifies_and_promotes_the_waiting_list(staff_user):
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    RegistrationFactory(mission=mission, status=RegistrationStatus.CONFIRMED)
    waiting = RegistrationFactory(mission=mission, status=RegistrationStatus.WAITLISTED, waitlist_position=1)
    services.mission_update(actor=staff_user, mission=mission, data={"capacity_max": 2})
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED and waiting.waitlist_position is None
    # The confirmed organisation hears of the new capacity; the promoted one gets its own e-mail.
    assert OutboxMessage.objects.filter(kind="registration.mission_capacity_changed").count() == 1
    assert OutboxMessage.objects.filter(kind="registration.promoted").count() == 1
    event = AuditEvent.objects.get(action="mission.update")
    assert event.details["changed"]["capacity_max"] == ["1", "2"]
