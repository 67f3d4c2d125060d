"""Factories for the back-office tests (missions' own models, built the way the portal builds them)."""

from datetime import timedelta

import factory
from django.utils import timezone

from declarations.constants import Decision
from missions.constants import MissionStatus, RegistrationStatus
from missions.models import Mission, Participant, PreparationSession, Registration
from tests.factories import OrganisationFactory, UserFactory


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    slug = factory.Sequence(lambda n: f"missie-{n}")
    title_nl = factory.Sequence(lambda n: f"Innovatiemissie {n}")
    title_en = factory.Sequence(lambda n: f"Innovation mission {n}")
    summary_nl = "Samenvatting."
    summary_en = "Summary."
    description_nl = "Beschrijving van de missie."
    description_en = "Description of the mission."
    country = "JP"
    city_nl = "Tokio"
    city_en = "Tokyo"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=5))
    registration_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    registration_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    status = MissionStatus.PUBLISHED


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    mission = factory.SubFactory(MissionFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    submitted_by = factory.SubFactory(UserFactory)
    status = RegistrationStatus.CONFIRMED
    motivation = "Wij willen samenwerken."
    submitted_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.LazyFunction(timezone.now)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    registration = factory.SubFactory(RegistrationFactory)
    name = factory.Sequence(lambda n: f"Deelnemer {n}")
    email = factory.Sequence(lambda n: f"deelnemer{n}@example.org")
    position = "Directeur"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PreparationSession

    mission = factory.SubFactory(MissionFactory)
    title_nl = "Voorbereidingsbijeenkomst"
    title_en = "Preparation session"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    location = "RVO, Prinses Beatrixlaan 2, Den Haag"


def declare(registration: Registration, decision: str = Decision.ENDORSED, *, explanation: str = ""):
    """Record a declaration for the registration through the declarations service."""
    from declarations.services import declaration_record, declaration_text_publish

    text = declaration_text_publish(version=1, language="nl", body="Wij onderschrijven de OESO-richtlijnen.")
    if decision == Decision.NOT_ENDORSED and not explanation:
        explanation = "Wij moeten eerst intern overleggen."
    return declaration_record(
        registration=registration,
        actor=registration.submitted_by,
        text=text,
        decision=decision,
        signatory_name="Jan Jansen",
        signatory_position="Directeur",
        confirms_authority=True,
        explanation=explanation,
    )
