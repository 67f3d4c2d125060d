from datetime import timedelta

import factory
from django.utils import timezone

from declarations.models import DeclarationText
from missions.constants import MissionStatus, RegistrationStatus
from missions.models import Mission, Participant, PreparationSession, Registration
from tests.factories import OrganisationFactory, UserFactory


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    slug = factory.Sequence(lambda n: f"missie-{n}")
    title_nl = factory.Sequence(lambda n: f"Innovatiemissie {n}")
    title_en = factory.Sequence(lambda n: f"Innovation mission {n}")
    summary_nl = "Samenvatting"
    summary_en = "Summary"
    description_nl = "Beschrijving met **nadruk**."
    description_en = "Description with **emphasis**."
    programme_nl = "Dag 1: aankomst\nDag 2: bezoeken"
    programme_en = "Day 1: arrival\nDay 2: visits"
    country = "JP"
    city_nl = "Tokio"
    city_en = "Tokyo"
    theme = "energy"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=5))
    registration_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    registration_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    status = MissionStatus.PUBLISHED


class PreparationSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PreparationSession

    mission = factory.SubFactory(MissionFactory)
    title_nl = "Voorbereiding"
    title_en = "Preparation"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    location = "Den Haag"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    mission = factory.SubFactory(MissionFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    submitted_by = factory.SubFactory(UserFactory)
    status = RegistrationStatus.DRAFT
    draft_step = 5


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    registration = factory.SubFactory(RegistrationFactory)
    name = "Jan Jansen"
    email = factory.Sequence(lambda n: f"deelnemer{n}@example.org")
    position = "Directeur"


def published_text(version: int = 1, language: str = "nl", kind: str = "mission") -> DeclarationText:
    """A published text of ``kind``; every kind but the missions' names its undertaking."""
    from declarations.services import declaration_text_publish

    body = "De organisatie onderschrijft de OESO-richtlijnen" if language == "nl" else "We endorse the OECD Guidelines"
    if kind != "mission":
        body += " bij de aanvraag voor {undertaking}" if language == "nl" else " when applying for {undertaking}"
    return declaration_text_publish(version=version, language=language, kind=kind, body=f"{body}. ({kind} v{version})")


def endorse_answer(text=None, **overrides) -> dict:
    answer = {
        "decision": "endorsed",
        "signatory_name": "Petra de Vries",
        "signatory_position": "Directeur",
        "confirms_authority": True,
        "explanation": "",
        "text_id": text.pk if text else None,
        "reused_from_id": None,
    }
    answer.update(overrides)
    return answer


def draft_ready(*, mission, user, organisation=None, answer: dict | None = None) -> Registration:
    """A draft registration with a participant, and (optionally) the signatory's answer of step 4."""
    registration = RegistrationFactory(
        mission=mission,
        organisation=organisation or user.memberships.first().organisation,
        submitted_by=user,
        draft_data={"declaration": answer} if answer else {},
    )
    ParticipantFactory(registration=registration)
    return registration
