from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from missions.constants import MissionStatus, RegistrationStatus
from notifications.models import OutboxMessage
from staff import services
from staff.constants import AttendanceStatus, ImvoTopic
from staff.exceptions import (
    CapacityBelowConfirmed,
    InvalidMissionTransition,
    MandatoryAgendaItem,
    MissionNotReadyToPublish,
    NobodyToInvite,
    UnknownParticipant,
)
from staff.models import AgendaItem, Attendance
from tests.factories import StaffUserFactory

from .factories import MissionFactory, ParticipantFactory, RegistrationFactory, SessionFactory

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
    messages = OutboxMessage.objects.filter(kind="mission_cancelled")
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
    assert OutboxMessage.objects.filter(kind="mission_capacity").count() == 2
    event = AuditEvent.objects.get(action="mission.update")
    assert event.details["changed"]["capacity_max"] == ["1", "2"]


def test_session_create_puts_the_mandatory_imvo_items_on_the_agenda(staff_user):
    mission = MissionFactory()
    start = timezone.now() + timedelta(days=7)
    session = services.session_create(
        actor=staff_user,
        mission=mission,
        data={
            "title_nl": "Bijeenkomst",
            "title_en": "Meeting",
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "location": "Den Haag",
        },
    )
    topics = set(session.agenda_items.exclude(imvo_topic="").values_list("imvo_topic", flat=True))
    assert topics == set(ImvoTopic.values)
    assert session.agenda_items.filter(imvo_topic="").exists()  # the template's other items
    assert services.session_agenda_ensure(session=session) == 0  # idempotent


def test_agenda_ensure_restores_a_missing_mandatory_item():
    session = SessionFactory()
    AgendaItem.objects.create(session=session, title_nl="Eigen punt", title_en="Own item")
    assert services.session_agenda_ensure(session=session) == len(ImvoTopic.values)


def test_mandatory_agenda_items_cannot_be_removed(staff_user):
    session = SessionFactory()
    services.session_agenda_ensure(session=session)
    mandatory = session.agenda_items.get(imvo_topic=ImvoTopic.NCP)
    with pytest.raises(MandatoryAgendaItem):
        services.agenda_item_remove(actor=staff_user, item=mandatory)
    optional = services.agenda_item_add(actor=staff_user, session=session, title_nl="Lunch", title_en="")
    services.agenda_item_remove(actor=staff_user, item=optional)
    assert not AgendaItem.objects.filter(pk=optional.pk).exists()


def test_agenda_mark_ticks_and_unticks(staff_user):
    session = SessionFactory()
    services.session_agenda_ensure(session=session)
    oecd = session.agenda_items.get(imvo_topic=ImvoTopic.OECD_GUIDELINES)
    ncp = session.agenda_items.get(imvo_topic=ImvoTopic.NCP)
    services.agenda_mark(actor=staff_user, session=session, done_ids={oecd.pk, ncp.pk})
    result = services.agenda_mark(actor=staff_user, session=session, done_ids={oecd.pk})
    assert result == {"ticked": [], "unticked": [ncp.pk]}
    oecd.refresh_from_db()
    assert oecd.done_at is not None and oecd.done_by == staff_user
    assert AuditEvent.objects.filter(action="session.agenda").count() == 2


def test_invite_sends_ics_once_per_version(staff_user):
    session = SessionFactory()
    services.session_agenda_ensure(session=session)
    p1 = ParticipantFactory(registration=RegistrationFactory(mission=session.mission))
    ParticipantFactory(
        registration=RegistrationFactory(
            mission=session.mission, status=RegistrationStatus.WAITLISTED, waitlist_position=1
        )
    )
    assert services.session_invite(actor=staff_user, session=session) == 1
    message = OutboxMessage.objects.get(kind="session_invitation")
    assert message.to == [p1.email]
    assert message.attachments[0]["mimetype"] == "text/calendar"
    assert "OESO" in message.body_text  # the agenda with IMVO items, in Dutch
    assert Attendance.objects.get(participant=p1).status == AttendanceStatus.INVITED
    assert services.session_invite(actor=staff_user, session=session) == 0  # nothing new
    session.starts_at += timedelta(days=1)
    session.ends_at += timedelta(days=1)
    session.save()
    assert services.session_invite(actor=staff_user, session=session) == 1  # rescheduled: new invitation


def test_invite_without_participants(staff_user):
    with pytest.raises(NobodyToInvite):
        services.session_invite(actor=staff_user, session=SessionFactory())


def test_attendance_record_in_bulk(staff_user):
    session = SessionFactory()
    p1, p2 = ParticipantFactory.create_batch(2, registration=RegistrationFactory(mission=session.mission))
    changed = services.attendance_record(
        actor=staff_user, session=session, statuses={p1.pk: AttendanceStatus.ATTENDED, p2.pk: AttendanceStatus.EXCUSED}
    )
    assert changed == 2
    assert (
        services.attendance_record(
            actor=staff_user,
            session=session,
            statuses={p1.pk: AttendanceStatus.ATTENDED, p2.pk: AttendanceStatus.ABSENT},
        )
        == 1
    )
    assert dict(Attendance.objects.values_list("participant_id", "status")) == {
        p1.pk: AttendanceStatus.ATTENDED,
        p2.pk: AttendanceStatus.ABSENT,
    }


def test_attendance_refuses_strangers_and_bad_status(staff_user):
    session = SessionFactory()
    stranger = ParticipantFactory()  # another mission
    with pytest.raises(UnknownParticipant):
        services.attendance_record(actor=staff_user, session=session, statuses={stranger.pk: "attended"})
    mine = ParticipantFactory(registration=RegistrationFactory(mission=session.mission))
    with pytest.raises(ValidationError):
        services.attendance_record(actor=staff_user, session=session, statuses={mine.pk: "dancing"})


def test_follow_up_create_update_done(staff_user):
    registration = RegistrationFactory()
    action = services.follow_up_create(
        actor=staff_user,
        organisation=registration.organisation,
        mission=registration.mission,
        topic="Gesprek over due diligence",
        due_on=timezone.localdate() - timedelta(days=1),
        owner=staff_user,
    )
    assert action.is_overdue
    services.follow_up_update(actor=staff_user, action=action, data={"done": True})
    action.refresh_from_db()
    assert action.is_done and not action.is_overdue
    assert list(
        AuditEvent.objects.filter(object_type="staff.followupaction").values_list("action", flat=True).order_by("id")
    ) == ["followup.create", "followup.update"]
    assert AuditEvent.objects.get(action="followup.create").organisation_id == registration.organisation_id
