from datetime import timedelta

import pytest
from django.utils import timezone

from missions.constants import MissionStatus, RegistrationStatus
from notifications.models import OutboxMessage
from staff.services import session_agenda_ensure
from staff.tasks import send_session_reminders

from .factories import MissionFactory, ParticipantFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _session_in(hours: float, **kwargs):
    start = timezone.now() + timedelta(hours=hours)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(hours=2), **kwargs)
    session_agenda_ensure(session=session)
    return session


def test_reminder_goes_out_once_two_days_before():
    soon = _session_in(40)
    participants = ParticipantFactory.create_batch(2, registration=RegistrationFactory(mission=soon.mission))
    later = _session_in(24 * 5)
    ParticipantFactory(registration=RegistrationFactory(mission=later.mission))

    assert send_session_reminders() == 2
    assert send_session_reminders() == 0  # beat ran twice: nothing new
    assert send_session_reminders.delay().get() == 0

    reminders = OutboxMessage.objects.filter(kind="session_reminder")
    assert sorted(m.to[0] for m in reminders) == sorted(p.email for p in participants)
    assert set(reminders.values_list("dedupe_key", flat=True)) == {
        f"session-reminder:{soon.pk}:{p.pk}" for p in participants
    }
    assert "Herinnering" in reminders[0].subject


def test_reminder_for_a_participant_added_later_still_goes_out_once():
    session = _session_in(30)
    registration = RegistrationFactory(mission=session.mission)
    ParticipantFactory(registration=registration)
    assert send_session_reminders() == 1
    ParticipantFactory(registration=registration)
    assert send_session_reminders() == 1
    assert send_session_reminders() == 0


def test_no_reminders_for_others():
    session = _session_in(20)
    ParticipantFactory(
        registration=RegistrationFactory(
            mission=session.mission, status=RegistrationStatus.WAITLISTED, waitlist_position=1
        )
    )
    ParticipantFactory(registration=RegistrationFactory(mission=session.mission, status=RegistrationStatus.WITHDRAWN))
    past = _session_in(-3)
    ParticipantFactory(registration=RegistrationFactory(mission=past.mission))
    cancelled = _session_in(20, mission=MissionFactory(status=MissionStatus.CANCELLED))
    ParticipantFactory(registration=RegistrationFactory(mission=cancelled.mission))
    assert send_session_reminders() == 0
