"""Reads of instruments: the public catalogue, an instrument with its framework, applications."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from declarations.references import verification_code
from organisations.policies import can

from .conditions import Condition, application_facts, conditions_asked, next_step
from .constants import ApplicationStatus, FrameworkStage
from .lifecycle import application_actions, application_status
from .models import Assessment, Instrument, InstrumentApplication, LevelDecision, RolloutPhase


@dataclass(frozen=True)
class InstrumentFilters:
    q: str = ""
    kind: str = ""
    policy_area: str = ""
    stage: str = ""


def instrument_list(*, filters: InstrumentFilters) -> QuerySet[Instrument]:
    """The public catalogue (every instrument, whatever its status), filtered and ordered by name."""
    instruments = Instrument.objects.all()
    if filters.q:
        words = filters.q.split()[:8]
        for word in words:
            instruments = instruments.filter(
                Q(name_nl__icontains=word)
                | Q(name_en__icontains=word)
                | Q(summary_nl__icontains=word)
                | Q(summary_en__icontains=word)
                | Q(code__iexact=word)
            )
    if filters.kind:
        instruments = instruments.filter(kind=filters.kind)
    if filters.policy_area:
        instruments = instruments.filter(policy_area=filters.policy_area)
    if filters.stage:
        today = timezone.localdate()
        conditions = Q(published_level__gt=0)
        if filters.stage == FrameworkStage.INFORMATION:
            instruments = instruments.exclude(conditions)
        elif filters.stage == FrameworkStage.PLANNED:
            instruments = instruments.filter(conditions, level_effective_from__gt=today)
        elif filters.stage == FrameworkStage.IN_FORCE:
            instruments = instruments.filter(conditions, level_effective_from__lte=today)
    return instruments.order_by("name_nl", "pk")


def instrument_get(*, slug: str) -> Instrument:
    instrument = Instrument.objects.filter(slug=slug).first()
    if instrument is None:
        raise Http404
    return instrument


def level_decision_current(instrument: Instrument) -> LevelDecision | None:
    return instrument.level_decisions.select_related("phase").order_by("-version").first()


def assessments_of(instrument: Instrument) -> QuerySet[Assessment]:
    return instrument.assessments.select_related("created_by").order_by("-version")


def phases_all() -> QuerySet[RolloutPhase]:
    return RolloutPhase.objects.order_by("number")


def instruments_without_imvo_page() -> QuerySet[Instrument]:
    """Instruments whose online IMVO brochure has not been published (the registry's report)."""
    return Instrument.objects.filter(imvo_brochure__isnull=True).order_by("code")


def application_get_for(*, user, pk) -> InstrumentApplication:
    """An application this user may see (members and RVO staff); 404 for everyone else."""
    try:
        application = InstrumentApplication.objects.select_related(
            "instrument", "organisation", "current_declaration"
        ).get(pk=int(pk))
    except (InstrumentApplication.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if not can(user, "instrument.application_view", application):
        raise Http404
    return application


def applications_of_organisation(organisation_id: int) -> QuerySet[InstrumentApplication]:
    return InstrumentApplication.objects.filter(organisation_id=organisation_id).select_related("instrument")


def application_overview_for(*, organisation_ids: list[int]) -> QuerySet[InstrumentApplication]:
    """The applications of these organisations for the company overview, newest first."""
    return (
        InstrumentApplication.objects.filter(organisation_id__in=organisation_ids)
        .select_related("instrument", "organisation", "current_declaration__receipt")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class ConditionStep:
    condition: Condition
    met: bool
    offered: bool  # the page offers this user the condition's action now (lifecycle and policy)


@dataclass(frozen=True)
class ApplicationProgress:
    steps: list[ConditionStep]
    next_step: str


def application_progress(application: InstrumentApplication, *, user) -> ApplicationProgress:
    """The conditions the application's level asks, which are met, which this user may act on now
    (``instruments.lifecycle``), and what happens next at the level."""
    facts = application_facts(application)
    state = application_status(application.level, facts)
    actions = application_actions(state, user=user, obj=application)
    steps = [
        ConditionStep(
            condition=condition,
            met=condition.met(facts),
            offered=bool(condition.action)
            and condition.action in actions
            and (condition.repeatable or not condition.met(facts)),
        )
        for condition in conditions_asked(application.level)
    ]
    complete = state == ApplicationStatus.COMPLETE
    return ApplicationProgress(steps=steps, next_step=next_step(application.level, met=complete))


def instrument_conditions(instrument: Instrument, decision: LevelDecision | None) -> list[tuple[Condition, str]]:
    """The conditions of the instrument's published level, each with how it relates to the purpose."""
    links = decision.purpose_links if decision else {}
    return [(c, links.get(str(c.level), "")) for c in conditions_asked(instrument.published_level or 0)]


def receipt_facts(declaration) -> dict:
    """Reference, verification code and the prefilled ``/verify/`` link of a declaration's receipt
    (empty when there is no declaration or it has no reference)."""
    if declaration is None or not declaration.reference:
        return {"declaration": declaration, "reference": "", "verification_code": "", "verify_url": ""}
    code = verification_code(declaration)
    query = {"reference": declaration.reference, **({"code": code} if code else {})}
    return {
        "declaration": declaration,
        "reference": declaration.reference,
        "verification_code": code,
        "verify_url": f"{reverse('verify')}?{urlencode(query)}",
    }


def signature_requests_of(application: InstrumentApplication) -> list:
    """The application's requests to its signatories, newest first, with who asked and who was asked."""
    return list(
        application.signature_requests.select_related("requested_by")
        .prefetch_related("recipients")
        .order_by("-requested_at")
    )
