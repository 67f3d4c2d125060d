from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from declarations.constants import Decision
from missions.constants import AttendanceStatus, MissionStatus, RegistrationStatus
from missions.models import Attendance, Mission
from notifications.models import OutboxMessage
from staff.constants import ImvoTopic
from staff.models import FollowUpAction
from staff.services import session_agenda_ensure
from tests.factories import StaffUserFactory
from tests.mfa import login_staff

from .factories import MissionFactory, ParticipantFactory, RegistrationFactory, SessionFactory, declare

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = StaffUserFactory()
    login_staff(client, user)
    client.user = user
    return client


def test_mission_form_error_keeps_input_and_says_why_in_dutch(staff_client):
    response = staff_client.post(
        reverse("staff:mission_create"),
        {
            "title_nl": "Missie zonder data",
            "title_en": "Mission without dates",
            "slug": "zonder-data",
            "country": "JP",
            "capacity_min": 10,
            "capacity_max": 5,
        },
    )
    assert response.status_code == 200
    assert not Mission.objects.exists()
    assert 'value="Missie zonder data"' in response.content.decode()


def test_create_then_publish_through_the_views(staff_client):
    today = timezone.localdate()
    response = staff_client.post(
        reverse("staff:mission_create"),
        {
            "title_nl": "Waterstof Japan",
            "title_en": "Hydrogen Japan",
            "slug": "waterstof-test",
            "summary_nl": "Kort",
            "summary_en": "Short",
            "description_nl": "Lang",
            "description_en": "Long",
            "country": "JP",
            "theme": "energy",
            "starts_on": today + timedelta(days=50),
            "ends_on": today + timedelta(days=55),
            "registration_opens_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "registration_closes_at": f"{today + timedelta(days=20)}T17:00",
            "capacity_min": 5,
            "capacity_max": 15,
            "requires_declaration": "on",
        },
    )
    mission = Mission.objects.get(slug="waterstof-test")
    assert response.status_code == 302 and mission.country == "JP" and mission.status == MissionStatus.DRAFT
    response = staff_client.post(
        reverse("staff:mission_transition", args=[mission.pk]), {"action": "publish"}, follow=True
    )
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PUBLISHED
    assert "Gepubliceerd" in response.content.decode()


def test_publish_refusal_is_shown_and_nothing_changes(staff_client):
    mission = MissionFactory(status=MissionStatus.DRAFT, description_nl=" ")
    response = staff_client.post(
        reverse("staff:mission_transition", args=[mission.pk]), {"action": "publish"}, follow=True
    )
    assert "Schrijf de beschrijving in het Nederlands en in het Engels." in response.content.decode()
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DRAFT


def test_capacity_below_confirmed_is_a_form_error(staff_client):
    mission = MissionFactory(capacity_min=1, capacity_max=2)
    RegistrationFactory.create_batch(2, mission=mission)
    url = reverse("staff:mission_edit", args=[mission.pk])
    data = {k: v for k, v in staff_client.get(url).context["form"].initial.items() if v is not None}
    data.update(
        {
            "capacity_max": 1,
            "starts_on": mission.starts_on,
            "ends_on": mission.ends_on,
            "registration_opens_at": timezone.localtime(mission.registration_opens_at).strftime("%Y-%m-%dT%H:%M"),
            "registration_closes_at": timezone.localtime(mission.registration_closes_at).strftime("%Y-%m-%dT%H:%M"),
        }
    )
    data.pop("lead_contact", None)
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "2 organisaties die al zijn bevestigd" in response.content.decode()


def test_registration_actions_call_the_missions_services(staff_client):
    mission = MissionFactory(capacity_max=5)
    held = RegistrationFactory(mission=mission, status=RegistrationStatus.HELD_FOR_REVIEW)
    declare(held, Decision.NOT_ENDORSED)
    url = reverse("staff:registration_action", args=[held.pk])
    staff_client.post(url, {"action": "confirm"})
    held.refresh_from_db()
    assert held.status == RegistrationStatus.CONFIRMED
    response = staff_client.post(url, {"action": "reject", "reason": ""}, follow=True)
    assert "Geef een reden op" in response.content.decode()
    staff_client.post(url, {"action": "withdraw", "reason": "Op verzoek van de organisatie."})
    held.refresh_from_db()
    assert held.status == RegistrationStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="registration.withdraw", actor=staff_client.user).exists()
    response = staff_client.post(url, {"action": "promote"}, follow=True)  # not waitlisted: refused with a message
    assert response.status_code == 200 and "alert-danger" in response.content.decode()


def test_session_page_agenda_and_attendance(staff_client):
    session = SessionFactory()
    session_agenda_ensure(session=session)
    p1, p2 = ParticipantFactory.create_batch(2, registration=RegistrationFactory(mission=session.mission))
    page = staff_client.get(reverse("staff:session_detail", args=[session.pk])).content.decode()
    assert "MVO Risico Checker" in page and "Nationaal Contactpunt" in page
    ncp = session.agenda_items.get(imvo_topic=ImvoTopic.NCP)
    staff_client.post(reverse("staff:session_agenda", args=[session.pk]), {"done": [str(ncp.pk)]})
    ncp.refresh_from_db()
    assert ncp.is_done
    response = staff_client.post(
        reverse("staff:session_attendance", args=[session.pk]),
        {f"status-{p1.pk}": "attended", f"status-{p2.pk}": "absent"},
        follow=True,
    )
    assert "2 wijzigingen" in response.content.decode()
    assert dict(Attendance.objects.values_list("participant_id", "status")) == {
        p1.pk: AttendanceStatus.ATTENDED,
        p2.pk: AttendanceStatus.ABSENT,
    }
    response = staff_client.post(
        reverse("staff:session_attendance", args=[session.pk]), {f"status-{p1.pk}": "nonsense"}, follow=True
    )
    assert "Kies een geldige aanwezigheidsstatus." in response.content.decode()
    staff_client.post(reverse("staff:session_invite", args=[session.pk]))
    assert OutboxMessage.objects.filter(kind="session_invitation").count() == 2


def test_calendar_download(staff_client):
    session = SessionFactory()
    response = staff_client.get(reverse("staff:session_calendar", args=[session.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content and b"TZID=Europe/Amsterdam" in response.content


def test_follow_up_from_a_declined_registration(staff_client):
    registration = RegistrationFactory(status=RegistrationStatus.HELD_FOR_REVIEW)
    declare(registration, Decision.NOT_ENDORSED)
    overview = staff_client.get(reverse("staff:overview")).content.decode()
    assert registration.organisation.name in overview
    url = (
        reverse("staff:follow_up_create", args=[registration.mission_id])
        + f"?organisation={registration.organisation_id}"
    )
    form = staff_client.get(url).context["form"]
    assert form.initial["organisation"] == str(registration.organisation_id)
    response = staff_client.post(
        url,
        {
            "organisation": registration.organisation_id,
            "topic": "Gesprek IMVO",
            "owner": staff_client.user.pk,
            "due_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302
    action = FollowUpAction.objects.get()
    assert action.is_overdue
    assert "verlopen" in staff_client.get(reverse("staff:overview")).content.decode()
    response = staff_client.post(
        reverse("staff:follow_up_done", args=[action.pk]), {"done": "1", "next": "//evil.example/"}
    )
    assert response.status_code == 302 and response.url == reverse("staff:follow_up_list")  # never off-site
    action.refresh_from_db()
    assert action.is_done
    response = staff_client.post(
        reverse("staff:follow_up_done", args=[action.pk]), {"done": "0", "next": reverse("staff:overview")}
    )
    assert response.url == reverse("staff:overview")  # an address on the site is followed


def test_follow_up_for_an_organisation_not_on_the_mission_is_refused(staff_client):
    mission = MissionFactory()
    other = RegistrationFactory()  # another mission
    response = staff_client.post(
        reverse("staff:follow_up_create", args=[mission.pk]),
        {"organisation": other.organisation_id, "topic": "X", "due_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200 and not FollowUpAction.objects.exists()


def test_audit_filters(staff_client):
    registration = RegistrationFactory()
    declare(registration)
    MissionFactory()
    base = reverse("staff:audit")
    events = staff_client.get(base, {"action": "declaration"}).context["events"]
    assert events and all(e.action.startswith("declaration") for e in events)
    events = staff_client.get(base, {"organisation": registration.organisation.kvk_number}).context["events"]
    assert events and all(e.organisation_id == registration.organisation_id for e in events)
    assert registration.organisation.name in staff_client.get(base).content.decode()
    assert not staff_client.get(base, {"actor": "nobody@"}).context["events"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert not staff_client.get(base, {"date_from": tomorrow}).context["events"]
    assert staff_client.get(base, {"date_from": "not-a-date"}).status_code == 200


def test_registration_list_filter_and_sort(staff_client):
    mission = MissionFactory()
    a = RegistrationFactory(mission=mission, organisation__name="Alfa B.V.", organisation__large=True)
    b = RegistrationFactory(
        mission=mission, organisation__name="Beta B.V.", status=RegistrationStatus.WAITLISTED, waitlist_position=1
    )
    url = reverse("staff:registration_list", args=[mission.pk])
    assert list(staff_client.get(url, {"sort": "-organisation"}).context["registrations"]) == [b, a]
    assert list(staff_client.get(url, {"size": "large"}).context["registrations"]) == [a]
    assert list(staff_client.get(url, {"status": "waitlisted"}).context["registrations"]) == [b]
    assert list(staff_client.get(url, {"decision": "none", "q": "beta"}).context["registrations"]) == [b]
    assert staff_client.get(url, {"sort": "bogus"}).status_code == 200
