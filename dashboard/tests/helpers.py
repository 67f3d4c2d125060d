"""Small builders for dashboard tests: missions, submitted registrations and declaration records."""

import itertools
from datetime import date, timedelta

from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from declarations.constants import Decision
from declarations.services import declaration_record, declaration_text_publish
from missions.constants import MissionStatus, RegistrationStatus
from missions.models import Attendance, Mission, Participant, PreparationSession, Registration
from tests.factories import OrganisationFactory, member_of

_counter = itertools.count(1)


def make_mission(*, year: int = 2025, country: str = "JP", title: str | None = None) -> Mission:
    n = next(_counter)
    start = date(year, 5, 1) + timedelta(days=n)
    now = timezone.now()
    return Mission.objects.create(
        slug=f"mission-{n}",
        title_nl=title or f"Missie {n}",
        title_en=title or f"Mission {n}",
        summary_nl="s",
        summary_en="s",
        description_nl="d",
        description_en="d",
        country=country,
        starts_on=start,
        ends_on=start + timedelta(days=5),
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=now + timedelta(days=30),
        status=MissionStatus.PUBLISHED,
        capacity_max=200,
    )


def text():
    return declaration_text_publish(version=1, language="nl", body="Wij onderschrijven de OECD-richtlijnen.")


def register(
    mission: Mission,
    organisation=None,
    *,
    decision: str | None = Decision.ENDORSED,
    status: str = RegistrationStatus.CONFIRMED,
    signatory: str = "Jan Jansen",
    ip: str | None = None,
) -> Registration:
    """A submitted registration with (unless decision is None) a declaration record."""
    organisation = organisation or OrganisationFactory()
    user = member_of(organisation)
    registration = Registration.objects.create(
        mission=mission, organisation=organisation, submitted_by=user, status=status, submitted_at=timezone.now()
    )
    if decision:
        with transaction.atomic():
            declaration_record(
                subject=registration,
                actor=user,
                text=text(),
                decision=decision,
                signatory_name=signatory,
                signatory_position="Directeur",
                confirms_authority=True,
                explanation="" if decision != Decision.NOT_ENDORSED else "Nog in overleg met de raad van bestuur.",
                request=RequestFactory().post("/", REMOTE_ADDR=ip) if ip else None,
            )
    return registration


def attend(registration: Registration, *, status: str = "attended", name: str = "Piet Pietersen") -> Attendance:
    now = timezone.now()
    session, _ = PreparationSession.objects.get_or_create(
        mission=registration.mission,
        title_nl="Voorbereiding",
        title_en="Preparation",
        defaults={"starts_at": now, "ends_at": now + timedelta(hours=2)},
    )
    participant = Participant.objects.create(
        registration=registration, name=name, email=f"{name.split()[0].lower()}@example.org", position="Adviseur"
    )
    return Attendance.objects.create(session=session, participant=participant, status=status)
