"""Factories for the back-office tests (missions' own models, built the way the portal builds them)."""

from datetime import timedelta

import factory
from django.utils import timezone

from declarations.constants import Decision
from missions.constants import RegistrationStatus
from missions.models import Registration
from missions.tests import factories as missions_factories
from missions.tests.factories import MissionFactory  # noqa: F401  (re-exported for the staff tests)


class RegistrationFactory(missions_factories.RegistrationFactory):
    """A submitted, confirmed registration (the missions factory makes drafts)."""

    status = RegistrationStatus.CONFIRMED
    draft_step = 1
    motivation = "Wij willen samenwerken."
    submitted_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.LazyFunction(timezone.now)


class ParticipantFactory(missions_factories.ParticipantFactory):
    registration = factory.SubFactory(RegistrationFactory)
    name = factory.Sequence(lambda n: f"Deelnemer {n}")


class SessionFactory(missions_factories.PreparationSessionFactory):
    title_nl = "Voorbereidingsbijeenkomst"
    title_en = "Preparation session"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    location = "RVO, Prinses Beatrixlaan 2, Den Haag"


def declare(registration: Registration, decision: str = Decision.ENDORSED, *, explanation: str = ""):
    """Record a declaration for the registration through the declarations service."""
    from declarations.services import declaration_record, declaration_text_publish

    text = declaration_text_publish(version=1, language="nl", body="Wij onderschrijven de OESO-richtlijnen.")
    if decision == Decision.NOT_ENDORSED and not explanation:
        explanation = "Wij moeten eerst intern overleggen."
    return declaration_record(
        subject=registration,
        actor=registration.submitted_by,
        text=text,
        decision=decision,
        signatory_name="Jan Jansen",
        signatory_position="Directeur",
        confirms_authority=True,
        explanation=explanation,
    )
