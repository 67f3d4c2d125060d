"""Demo data of the back-office (see core/demo.py): the IMVO agenda on every seeded session,
and a follow-up action for each organisation that declined the declaration."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from declarations.constants import Decision
from missions.constants import ACTIVE_STATUSES
from missions.demo_data import DEMO_MISSIONS
from missions.models import PreparationSession, Registration

from .models import FollowUpAction
from .services import session_agenda_ensure

FOLLOW_UP_TOPIC = "IMVO-gesprek over de OESO-richtlijnen"


def seed(*, companies: int, password: str, log) -> None:
    """Only the demo missions are touched, so seeding costs the same beside a million other rows."""
    demo_slugs = [mission["slug"] for mission in DEMO_MISSIONS]
    added = 0
    for session in PreparationSession.objects.filter(mission__slug__in=demo_slugs):
        added += session_agenda_ensure(session=session)
    staff = User.objects.filter(email="rvo@demo.example").first()
    declined = Registration.objects.filter(
        mission__slug__in=demo_slugs,
        status__in=ACTIVE_STATUSES,
        current_declaration__decision=Decision.NOT_ENDORSED,
    ).select_related("organisation", "mission")
    follow_ups = 0
    for registration in declined:
        _, created = FollowUpAction.objects.get_or_create(
            organisation=registration.organisation,
            mission=registration.mission,
            topic=FOLLOW_UP_TOPIC,
            defaults={
                "details": "Toelichting op de OESO-richtlijnen en de zes stappen van gepaste zorgvuldigheid; "
                "afspraken over een eerste risicoanalyse met de MVO Risico Checker.",
                "owner": staff,
                "created_by": staff,
                "due_on": timezone.localdate() + timedelta(days=10),
            },
        )
        follow_ups += created
    log(f"Agenda items ready ({added} added); {follow_ups} follow-up actions added.")
