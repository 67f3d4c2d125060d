import factory

from instruments.constants import InstrumentKind, PolicyArea
from instruments.models import Instrument, RolloutPhase


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument

    code = factory.Sequence(lambda n: f"T-{n:04d}")
    slug = factory.Sequence(lambda n: f"instrument-{n}")
    name_nl = factory.Sequence(lambda n: f"Regeling {n}")
    name_en = factory.Sequence(lambda n: f"Scheme {n}")
    summary_nl = "Een regeling om te testen."
    summary_en = "A scheme for testing."
    kind = InstrumentKind.SUBSIDY
    policy_area = PolicyArea.INNOVATION
    sectors = "C"
    typical_support_eur = 100_000


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RolloutPhase

    number = factory.Sequence(lambda n: n + 1)
    name_nl = factory.Sequence(lambda n: f"Fase {n}")
    name_en = factory.Sequence(lambda n: f"Phase {n}")
    effective_from = factory.Faker("date_object")


CRITERIA = ("admin_burden", "level_playing_field", "implementation_cost", "imvo_risk", "support_size")


def reasons(text="Toelichting."):
    return dict.fromkeys(CRITERIA, text)


def assess(instrument, actor, *, burden=2, lpf=2, cost=2, risk=None, size=3, reason="Demo"):
    from instruments.services import assessment_create
    from instruments.services.framework import risk_suggestion_for

    suggested = risk_suggestion_for(instrument)
    risk = suggested if risk is None else risk
    return assessment_create(
        instrument=instrument,
        actor=actor,
        scores={
            "admin_burden": burden,
            "level_playing_field": lpf,
            "implementation_cost": cost,
            "imvo_risk": risk,
            "support_size": size,
        },
        reasons=reasons(),
        change_reason=reason,
        risk_override_reason="" if risk == suggested else "Anders ingeschat.",
    )


def links(level=4):
    return {str(n): f"Past bij het doel (voorwaarde {n})." for n in range(1, level + 1)}


def application_at_level(level: int, *, reference="R-1"):
    """An application started by a new member (admin and signatory) on an instrument whose ``level`` is in force."""
    from datetime import date

    from instruments.services import application_start
    from organisations.models import Organisation
    from tests.factories import member_of

    instrument = InstrumentFactory(published_level=level or None, level_effective_from=date(2020, 1, 1))
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(instrument=instrument, organisation=organisation, reference=reference, actor=user)
    return application, user
