"""The IMVO framework rule, in exactly one place: from an assessment to a proportional level.

Commitment 5 of the letter to Parliament of 19 December 2019: the framework is introduced step by
step and proportionally, weighing (1) relative administrative burden, (2) the international level
playing field, (3) implementation cost, (4) IMVO risk and (5) the size of the support. Each
criterion is scored 1 (low) to 5 (high) by RVO staff, with a justification.

IMVO risk and the size of the support argue for heavier conditions (risk counts double: it is what
the conditions are for); burden, playing field and implementation cost argue for lighter ones::

    need      = 2 × imvo_risk + support_size                            (3 … 15)
    restraint = round-half-up((admin_burden + level_playing_field + implementation_cost) / 3)   (1 … 5)
    points    = need − restraint                                         (−2 … 14)

    points ≤ 3 → level 0, 4 … 6 → 1, 7 … 9 → 2, 10 … 11 → 3, ≥ 12 → 4

It follows that heavy conditions are only asked where the risk is real: level 3 needs an IMVO risk
of at least 3 and level 4 of at least 4 (``tests/test_rules.py`` checks every combination).

No level ever refuses an application: every level is a condition the applicant fulfils or, when
an answer falls short, a follow-up with guidance (no knock-out, see ``instruments.services``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .conditions import conditions_asked
from .constants import Criterion, InstrumentKind

SCORE_MIN, SCORE_MAX = 1, 5

#: (lowest points, level), highest first.
LEVEL_THRESHOLDS: tuple[tuple[int, int], ...] = ((12, 4), (10, 3), (7, 2), (4, 1))
MAX_LEVEL = 4


@dataclass(frozen=True)
class Scores:
    admin_burden: int
    level_playing_field: int
    implementation_cost: int
    imvo_risk: int
    support_size: int

    def __post_init__(self):
        for criterion in Criterion.values:
            value = getattr(self, criterion)
            if not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
                raise ValueError(f"{criterion} must be an integer from {SCORE_MIN} to {SCORE_MAX}, not {value!r}")

    @classmethod
    def of(cls, assessment) -> Scores:
        return cls(**{criterion: getattr(assessment, criterion) for criterion in Criterion.values})


def framework_points(scores: Scores) -> int:
    need = 2 * scores.imvo_risk + scores.support_size
    restraint_sum = scores.admin_burden + scores.level_playing_field + scores.implementation_cost
    restraint = (restraint_sum + 1) // 3  # the mean of three scores, rounded half up
    return need - restraint


def framework_level(scores: Scores) -> int:
    """The proportional level (0–4) of IMVO conditions the assessment suggests."""
    points = framework_points(scores)
    return next((level for lowest, level in LEVEL_THRESHOLDS if points >= lowest), 0)


@dataclass(frozen=True)
class LevelNeeds:
    """What publishing a level asks of staff, besides the level itself."""

    purposes: tuple[int, ...]  # the conditions whose relation to the instrument's purpose is written (Awb)
    phase: bool  # a roll-out phase, whose date the level takes effect from
    higher_reason: bool  # a reason, for a level above the one the assessment suggests


def level_needs(*, level: int, suggested_level: int | None) -> LevelNeeds:
    """Every condition from 1 up to the level needs its purpose text; a level above 0 needs a
    roll-out phase; a level above the suggested one needs a reason (none is known without an
    assessment: ``suggested_level=None``)."""
    return LevelNeeds(
        purposes=tuple(condition.level for condition in conditions_asked(level)),
        phase=level > 0,
        higher_reason=suggested_level is not None and level > suggested_level,
    )


def risk_override_needs_reason(*, imvo_risk: int | None, suggested_risk: int) -> bool:
    """An IMVO-risk score other than the suggested one needs a reason."""
    return imvo_risk != suggested_risk


# --- The IMVO-risk suggestion ---------------------------------------------------------------

#: SBI sections with well-documented IMVO risks in their chains (MVO Risico Checker themes:
#: raw materials, labour conditions, land rights, environment), scored 1–5.
SECTOR_RISK: dict[str, int] = {
    "A": 4,  # agriculture, forestry, fishing: land, water, labour, deforestation
    "B": 5,  # mining and quarrying: conflict minerals, human rights, environment
    "C": 4,  # manufacturing: textiles, electronics, metals in the supply chain
    "D": 3,  # energy: raw materials for wind, solar and batteries
    "E": 3,  # water and waste: waste exports, working conditions
    "F": 3,  # construction: natural stone, timber, labour
    "G": 3,  # trade: long supply chains
    "H": 3,  # transport: shipping, labour at sea
    "I": 2,
    "J": 2,  # ICT: hardware chains, privacy
    "K": 3,  # financial institutions: what is financed
}
DEFAULT_SECTOR_RISK = 2

#: Countries where an EZK instrument's support is most often used abroad and the OECD Guidelines'
#: risks are lower (EU and EEA member states, and other OECD members with comparable protection).
LOWER_RISK_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "IS",
        "LI",
        "NO",
        "CH",
        "GB",
        "US",
        "CA",
        "AU",
        "NZ",
        "JP",
        "KR",
    ]
)


def imvo_risk_suggestion(*, sectors: list[str], countries: list[str], kind: str, used_abroad: bool) -> int:
    """An IMVO-risk score (1–5) suggested from the instrument's sectors, countries and kind.

    The highest sector risk (2 when no sector is given); one more when the support is used in
    countries outside the lower-risk list, or abroad / in international chains (missions are by
    nature); advice and networks carry one less (no money changes hands). Staff may override it
    with a reason.
    """
    score = max((SECTOR_RISK.get(s, DEFAULT_SECTOR_RISK) for s in sectors), default=DEFAULT_SECTOR_RISK)
    outside = any(code.upper() not in LOWER_RISK_COUNTRIES for code in countries)
    if outside or used_abroad or kind == InstrumentKind.MISSION:
        score += 1
    if kind == InstrumentKind.ADVICE:
        score -= 1
    return max(SCORE_MIN, min(SCORE_MAX, score))
