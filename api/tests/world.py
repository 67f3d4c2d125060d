"""A small portal with something of every resource, its personal data marked so a test can look for it."""

from datetime import date

from django.test import RequestFactory

from audit.services import audit_event_record
from dashboard.releases import release_publish
from declarations.constants import Decision
from declarations.services import declaration_record, declaration_text_publish
from instruments.services.framework import level_publish
from instruments.tests.factories import InstrumentFactory, PhaseFactory, assess, links
from missions.constants import RegistrationStatus
from missions.models import Attendance
from staff.tests.factories import MissionFactory, ParticipantFactory, RegistrationFactory, SessionFactory
from tests.factories import OrganisationFactory, UserFactory

# Personal data that must never reach a client without personal-data:read.
NAME = "Geheime Persoonsnaam"
EMAIL = "persoon.geheim@voorbeeld.example"
IP = "203.0.113.77"
AGENT = "GeheimeBrowser/9.9"
ORGANISATION_NAME = "Eenmanszaak Geheime Persoonsnaam"
MOTIVATION = "Motivatie van Geheime Persoonsnaam"
MARKERS = [NAME, EMAIL, IP, AGENT, ORGANISATION_NAME, "persoon.geheim", "GeheimeBrowser", "203.0.113"]


def build(staff, *, registrations: int = 3) -> dict:
    mission = MissionFactory(capacity_max=15)
    session = SessionFactory(mission=mission)
    submitter = UserFactory(full_name=NAME, email=EMAIL)
    text = declaration_text_publish(version=1, language="nl", body="Wij onderschrijven de OESO-richtlijnen.")
    request = RequestFactory().post("/", REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
    made = []
    for index in range(registrations):
        organisation = OrganisationFactory(name=f"{ORGANISATION_NAME} {index}")
        registration = RegistrationFactory(
            mission=mission,
            organisation=organisation,
            submitted_by=submitter,
            motivation=MOTIVATION,
            status=RegistrationStatus.CONFIRMED if index else RegistrationStatus.HELD_FOR_REVIEW,
        )
        participant = ParticipantFactory(registration=registration, name=f"{NAME} {index}", email=f"p{index}.{EMAIL}")
        Attendance.objects.create(session=session, participant=participant, status="invited")
        declaration_record(
            subject=registration,
            actor=submitter,
            text=text,
            decision=Decision.ENDORSED if index else Decision.NOT_ENDORSED,
            signatory_name=NAME,
            signatory_position="Directeur",
            confirms_authority=True,
            explanation="" if index else f"Uitleg van {NAME}",
            request=request,
        )
        # The status events the services would have recorded: the company submits, staff decide.
        audit_event_record(action="registration.submit", actor=submitter, obj=registration)
        if index:
            audit_event_record(action="registration.confirm", actor=staff, obj=registration)
        else:
            audit_event_record(action="registration.hold", actor=None, obj=registration)
        made.append(registration)
    phase = PhaseFactory(effective_from=date(2020, 1, 1))
    instrument = InstrumentFactory(sectors="C")
    assess(instrument, staff, size=2)
    level_publish(instrument=instrument, actor=staff, level=2, purpose_links=links(2), phase=phase)
    release = release_publish(reason="test")
    return {
        "mission": mission,
        "session": session,
        "registrations": made,
        "held": made[0],
        "instrument": instrument,
        "phase": phase,
        "release": release,
        "declaration": made[0].current_declaration if hasattr(made[0], "current_declaration") else None,
    }
