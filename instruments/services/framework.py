"""The IMVO framework: versioned assessments, published levels and the roll-out phases."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import audit_event_record
from organisations.policies import require

from ..constants import Criterion, FrameworkLevel
from ..exceptions import (
    HigherLevelNeedsReason,
    NoAssessment,
    PhaseRequired,
    PurposeLinkMissing,
    RiskOverrideNeedsReason,
)
from ..models import Assessment, Instrument, LevelDecision, RolloutPhase
from ..resources import instrument_changed_on_commit
from ..rules import Scores, framework_level, imvo_risk_suggestion, level_needs, risk_override_needs_reason
from .registry import instrument_pages_retire


def risk_suggestion_for(instrument: Instrument) -> int:
    return imvo_risk_suggestion(
        sectors=instrument.sector_list,
        countries=instrument.country_list,
        kind=instrument.kind,
        used_abroad=instrument.used_abroad,
    )


def assessment_create(
    *,
    instrument: Instrument,
    actor,
    scores: dict[str, int],
    reasons: dict[str, str],
    change_reason: str,
    risk_override_reason: str = "",
    request=None,
) -> Assessment:
    """Add the next version of the instrument's assessment (RVO staff); earlier versions stay.

    Every criterion needs a score (1–5) and a justification; an IMVO risk other than the one
    suggested from the instrument's sectors, countries and kind needs a reason. The suggested
    level comes from the one rule (``instruments.rules.framework_level``). Audited.
    """
    require(actor, "instrument.manage")
    suggested_risk = risk_suggestion_for(instrument)
    imvo_risk = scores.get(Criterion.IMVO_RISK)
    if (
        risk_override_needs_reason(imvo_risk=imvo_risk, suggested_risk=suggested_risk)
        and not risk_override_reason.strip()
    ):
        raise RiskOverrideNeedsReason()
    values = Scores(**{c: scores.get(c) for c in Criterion.values})
    with transaction.atomic():
        Instrument.objects.select_for_update().get(pk=instrument.pk)
        highest = instrument.assessments.aggregate(v=Max("version"))["v"] or 0
        assessment = Assessment(
            instrument=instrument,
            version=highest + 1,
            imvo_risk_suggested=suggested_risk,
            risk_override_reason=risk_override_reason.strip() if values.imvo_risk != suggested_risk else "",
            suggested_level=framework_level(values),
            change_reason=change_reason.strip(),
            created_by=actor,
            created_at=timezone.now(),
        )
        for criterion in Criterion.values:
            setattr(assessment, criterion, getattr(values, criterion))
            setattr(assessment, f"{criterion}_reason", (reasons.get(criterion) or "").strip())
        assessment.full_clean()
        assessment.save()
        audit_event_record(
            action="instrument.assess",
            actor=actor,
            obj=assessment,
            request=request,
            details={
                "instrument": instrument.code,
                "version": assessment.version,
                "scores": {c: getattr(values, c) for c in Criterion.values},
                "suggested_level": assessment.suggested_level,
            },
        )
    return assessment


def level_publish(
    *,
    instrument: Instrument,
    actor,
    level: int,
    purpose_links: dict,
    phase: RolloutPhase | None,
    higher_reason: str = "",
    request=None,
) -> LevelDecision:
    """Publish the level of IMVO conditions for the instrument, from the latest assessment (RVO staff).

    Staff may choose a level below the suggested one freely, above it only with a reason. Every
    condition from 1 up to the level needs a text on how it relates to the instrument's purpose
    (Awb); without it a level above 0 cannot be published. A level above 0 takes effect from its
    roll-out phase's date. No level refuses applications (no knock-out). Audited; the
    instrument's IMVO brochure is refreshed on commit.
    """
    require(actor, "instrument.manage")
    level = int(level)
    if level not in FrameworkLevel.values:
        raise ValueError(level)
    needs = level_needs(level=level, suggested_level=None)
    links = {str(n): (purpose_links.get(str(n)) or purpose_links.get(n) or "").strip() for n in needs.purposes}
    if any(not text for text in links.values()):
        raise PurposeLinkMissing()
    if needs.phase and phase is None:
        raise PhaseRequired()
    with transaction.atomic():
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        assessment = instrument.assessments.order_by("-version").first()
        if assessment is None:
            raise NoAssessment()
        needs = level_needs(level=level, suggested_level=assessment.suggested_level)
        if needs.higher_reason and not higher_reason.strip():
            raise HigherLevelNeedsReason()
        highest = instrument.level_decisions.aggregate(v=Max("version"))["v"] or 0
        decision = LevelDecision(
            instrument=instrument,
            version=highest + 1,
            assessment=assessment,
            suggested_level=assessment.suggested_level,
            level=level,
            higher_reason=higher_reason.strip() if needs.higher_reason else "",
            purpose_links=links,
            phase=phase if needs.phase else None,
            effective_from=phase.effective_from if needs.phase else None,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        decision.full_clean()
        decision.save()
        instrument.published_level = level
        instrument.level_effective_from = decision.effective_from
        instrument.save(update_fields=["published_level", "level_effective_from", "updated_at"])
        audit_event_record(
            action="instrument.level_publish",
            actor=actor,
            obj=decision,
            request=request,
            details={
                "instrument": instrument.code,
                "level": level,
                "suggested_level": assessment.suggested_level,
                "assessment_version": assessment.version,
                "phase": phase.number if phase and level > 0 else None,
                "effective_from": decision.effective_from.isoformat() if decision.effective_from else None,
            },
        )
        instrument_changed_on_commit(instrument.pk)
        instrument_pages_retire()
    return decision


def phase_save(*, actor, data: dict, phase: RolloutPhase | None = None, request=None) -> RolloutPhase:
    """Create or change a roll-out phase (RVO staff). A changed date moves the date of every
    instrument decided into the phase (their conditions apply from the new date). Audited; the
    public instrument pages are retired on commit."""
    require(actor, "instrument.manage")
    with transaction.atomic():
        creating = phase is None
        phase = RolloutPhase() if creating else RolloutPhase.objects.select_for_update().get(pk=phase.pk)
        for name in ("number", "name_nl", "name_en", "effective_from", "description"):
            if name in data:
                setattr(phase, name, data[name])
        phase.full_clean()
        phase.save()
        # Instruments whose current decision is in this phase follow its date.
        moved = []
        in_phase = set(LevelDecision.objects.filter(phase=phase).values_list("instrument_id", flat=True))
        for instrument in Instrument.objects.select_for_update().filter(pk__in=in_phase).order_by("pk"):
            current = instrument.level_decisions.order_by("-version").first()
            if current and current.phase_id == phase.pk and instrument.level_effective_from != phase.effective_from:
                instrument.level_effective_from = phase.effective_from
                instrument.save(update_fields=["level_effective_from", "updated_at"])
                moved.append(instrument.code)
                instrument_changed_on_commit(instrument.pk)
        audit_event_record(
            action="instrument.phase_create" if creating else "instrument.phase_update",
            actor=actor,
            obj=phase,
            request=request,
            details={"number": phase.number, "effective_from": phase.effective_from.isoformat(), "moved": moved},
        )
        # Instrument pages show their phase's name and date, whether or not a date moved.
        instrument_pages_retire()
    return phase
