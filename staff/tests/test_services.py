from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from missions.constants import AttendanceStatus, RegistrationStatus
from missions.models import Attendance
from notifications.models import OutboxMessage
from staff import services
from staff.constants import ImvoTopic
from staff.exceptions import MandatoryAgendaItem, NobodyToInvite, UnknownParticipant
from staff.models import AgendaItem
from tests.factories import StaffUserFactory

from .factories import MissionFactory, ParticipantFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    return StaffUserFactory(email="medewerker@rvo.example")


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
