# ruff: noqa: C408
"""Demo instruments: at least 210 EZK instruments of our own writing, the missions as instruments
of kind "mission", three roll-out phases and a few published levels. Idempotent (matched by code)
and fast (bulk writes; the IMVO brochures are published by ``brochures.demo.seed_instruments``)."""

from __future__ import annotations

from datetime import date

from django.utils.text import slugify

from accounts.models import User
from audit.services import audit_event_record

from .conditions import CONDITIONS
from .constants import InstrumentKind, InstrumentStatus
from .demo_data import AREA_KINDS, KIND_PATTERNS, NAMED, TOPIC_COUNTRIES, TOPICS
from .models import Instrument, RolloutPhase
from .services import assessment_create, level_publish
from .services.framework import risk_suggestion_for

PHASES = [
    (
        1,
        "Fase 1: missies en internationale instrumenten",
        "Phase 1: missions and international instruments",
        date(2026, 1, 1),
    ),
    (2, "Fase 2: grote subsidies en garanties", "Phase 2: large subsidies and guarantees", date(2027, 1, 1)),
    (3, "Fase 3: overige instrumenten", "Phase 3: other instruments", date(2028, 1, 1)),
]


def demo_instruments() -> list[dict]:
    rows = []
    for code, name_nl, name_en, kind, area, sectors, abroad, support, budget, summary_nl, summary_en in NAMED:
        rows.append(
            dict(
                code=code,
                name_nl=name_nl,
                name_en=name_en,
                kind=kind,
                policy_area=area,
                sectors=sectors,
                used_abroad=abroad,
                typical_support_eur=support,
                yearly_budget_eur=budget,
                summary_nl=summary_nl,
                summary_en=summary_en,
                for_large=support >= 1_000_000,
                external_reference=f"rvo.nl – {name_nl.split(' – ')[0]}",
            )
        )
    number = 0
    for area, topics in TOPICS.items():
        for topic_nl, topic_en, sectors, abroad in topics:
            for pattern in AREA_KINDS[area]:
                number += 1
                name_nl, name_en, summary_nl, summary_en, support, budget = KIND_PATTERNS[pattern]
                kind = InstrumentKind.SUBSIDY if pattern == "pilot" else pattern
                rows.append(
                    dict(
                        code=f"EZK-{number:04d}",
                        name_nl=name_nl % topic_nl,
                        name_en=(name_en % topic_en)[:1].upper() + (name_en % topic_en)[1:],
                        kind=kind,
                        policy_area=area,
                        sectors=sectors,
                        countries=TOPIC_COUNTRIES.get(topic_nl, ""),
                        used_abroad=abroad or kind == InstrumentKind.MISSION,
                        typical_support_eur=support,
                        yearly_budget_eur=budget,
                        summary_nl=summary_nl % topic_nl,
                        summary_en=summary_en % topic_en,
                        for_large=kind in (InstrumentKind.LOAN, InstrumentKind.GUARANTEE) or number % 3 == 0,
                        for_knowledge=area == "innovation" or number % 5 == 0,
                        status=InstrumentStatus.CLOSED
                        if number % 17 == 0
                        else InstrumentStatus.PLANNED
                        if number % 23 == 0
                        else InstrumentStatus.OPEN,
                    )
                )
    return rows


def _slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:100] or "instrument"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def seed(*, companies: int, password: str, log, instruments: int | None = None) -> None:
    """The demo registry (all of it, or its first ``instruments`` rows) and an instrument per demo mission."""
    from missions.demo_data import DEMO_MISSIONS
    from missions.models import Mission

    actor = User.objects.filter(email="rvo@demo.example").first()
    existing = set(Instrument.objects.values_list("code", flat=True))
    taken = set(Instrument.objects.values_list("slug", flat=True))
    new = []
    for row in demo_instruments()[:instruments]:
        if row["code"] not in existing:
            new.append(Instrument(slug=_slug(row["name_nl"], taken), **row))
    # The demo missions only: not every mission beside them (a benchmark database has hundreds of
    # synthetic ones, and each would also get an instrument brochure).
    demo_slugs = [mission["slug"] for mission in DEMO_MISSIONS]
    with_instrument = set(Instrument.objects.exclude(mission=None).values_list("mission_id", flat=True))
    for mission in Mission.objects.filter(slug__in=demo_slugs).order_by("pk"):
        code = f"MISSIE-{mission.pk}"
        if code in existing or mission.pk in with_instrument:
            continue
        new.append(
            Instrument(
                code=code,
                slug=_slug(f"missie-{mission.slug}", taken),
                name_nl=mission.title_nl,
                name_en=mission.title_en,
                summary_nl=mission.summary_nl,
                summary_en=mission.summary_en,
                kind=InstrumentKind.MISSION,
                policy_area="international",
                used_abroad=True,
                countries=str(mission.country),
                typical_support_eur=5_000,
                mission=mission,
                for_large=True,
                for_knowledge=True,
            )
        )
    if new:
        Instrument.objects.bulk_create(new, batch_size=200)
        audit_event_record(action="instrument.demo_seed", actor=actor, details={"created": len(new)})
    phases = {}
    for number, name_nl, name_en, effective in PHASES:
        phases[number], _created = RolloutPhase.objects.get_or_create(
            number=number, defaults={"name_nl": name_nl, "name_en": name_en, "effective_from": effective}
        )
    if actor is not None:
        _seed_framework(actor, phases)
    log(f"Instruments: {Instrument.objects.count()} ({len(new)} new), phases: {len(phases)}")


# Demo framework decisions: code → (scores, level, phase)
DEMO_LEVELS = {
    "DTIF": ((2, 2, 2, 4, 4), 2, 1),
    "DHI": ((2, 2, 2, 4, 3), 2, 1),
    "PIB": ((2, 2, 2, 4, 2), 1, 1),
    "SDEPP": ((2, 3, 2, 4, 5), 3, 2),
    "EKV": ((2, 3, 2, 4, 5), 3, 2),
    "WBSO": ((4, 3, 3, 2, 3), 0, None),
}


def _seed_framework(actor, phases) -> None:
    for code, (scores, level, phase_number) in DEMO_LEVELS.items():
        instrument = Instrument.objects.filter(code=code).first()
        if instrument is None or instrument.level_decisions.exists():
            continue
        names = ("admin_burden", "level_playing_field", "implementation_cost", "imvo_risk", "support_size")
        values = dict(zip(names, scores, strict=True))
        suggested = risk_suggestion_for(instrument)
        assessment_create(
            instrument=instrument,
            actor=actor,
            scores=values,
            reasons=dict.fromkeys(names, "Demo: toelichting bij dit criterium."),
            change_reason="Eerste beoordeling (demo).",
            risk_override_reason="" if values["imvo_risk"] == suggested else "Demo: ingeschat door RVO.",
        )
        level_publish(
            instrument=instrument,
            actor=actor,
            level=min(level, instrument.assessments.first().suggested_level),
            purpose_links={str(c.level): "Demo: de voorwaarde past bij het doel van de regeling." for c in CONDITIONS},
            phase=phases.get(phase_number),
        )
