"""Which level of the IMVO framework asks which conditions, and what happens next: one table.

The levels (``FrameworkLevel``, 0 … 4) are cumulative: a level asks its own condition and every
condition of the levels below it, so condition *n* is first asked at level *n* (and ``n`` is also
its key in a level decision's ``purpose_links``). Services refuse a condition the application's
level does not ask (``ConditionNotAsked``), forms and templates list the conditions from here, and
``docs/domain.md`` prints the table. No condition refuses an application (no knock-out): an answer
that falls short leads to a follow-up by RVO.

Whether a condition is met is read from ``ApplicationFacts``, gathered in one place
(``application_facts``), so the status rule in ``instruments.lifecycle`` needs no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from declarations.constants import Decision

from .constants import FrameworkLevel


@dataclass(frozen=True)
class ApplicationFacts:
    """What the applicant (and RVO) did so far, as far as the conditions are concerned."""

    read_confirmed: bool = False
    endorsed: bool = False
    self_assessed: bool = False
    follow_up_open: bool = False


@dataclass(frozen=True)
class Condition:
    key: str
    level: FrameworkLevel  # the lowest level that asks it
    title: str | Promise  # heading on the application page
    duty: str | Promise  # "you …", for lists of what a level asks (instrument page, IMVO brochure)
    action: str  # the lifecycle action that fulfils it, "" when RVO fulfils it with the applicant
    repeatable: bool  # offered again after it was met, while the application is not complete

    def met(self, facts: ApplicationFacts) -> bool:
        return _MET[self.key](facts)


_MET = {
    "read": lambda facts: facts.read_confirmed,
    "declaration": lambda facts: facts.endorsed,
    "self_assessment": lambda facts: facts.self_assessed,
    # RVO resolves the follow-up opened at the start once the plan is agreed.
    "improvement_plan": lambda facts: not facts.follow_up_open,
}

CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "read",
        FrameworkLevel.CONFIRM_READ,
        _("Read the IMVO information"),
        _("you confirm that you have read the IMVO information"),
        "confirm_read",
        repeatable=False,
    ),
    Condition(
        "declaration",
        FrameworkLevel.DECLARATION,
        _("The declaration on the OECD Guidelines"),
        _("you sign the declaration on the OECD Guidelines"),
        "sign",
        repeatable=False,
    ),
    Condition(
        "self_assessment",
        FrameworkLevel.SELF_ASSESSMENT,
        _("Due-diligence self-assessment"),
        _("you complete a short due-diligence self-assessment"),
        "self_assess",
        repeatable=True,
    ),
    Condition(
        "improvement_plan",
        FrameworkLevel.IMPROVEMENT_PLAN,
        _("Improvement plan"),
        _("you agree an improvement plan with RVO"),
        "",
        repeatable=False,
    ),
)


@dataclass(frozen=True)
class NextStep:
    """What happens next at a level: once its conditions are met, and while they are not."""

    when_met: str | Promise
    while_open: str | Promise


_AT_RVO = _(
    "Your application continues at RVO in the instrument's own procedure. The IMVO part of your application is done."
)

NEXT_STEPS: dict[int, NextStep] = {
    FrameworkLevel.INFORMATION: NextStep(when_met=_AT_RVO, while_open=_AT_RVO),
    FrameworkLevel.CONFIRM_READ: NextStep(
        when_met=_AT_RVO,
        while_open=_(
            "Confirm that you have read the IMVO information. Then your application continues at RVO in the "
            "instrument's own procedure."
        ),
    ),
    FrameworkLevel.DECLARATION: NextStep(
        when_met=_(
            "The declaration is kept as evidence of your application. Download the receipt; anyone you show it "
            "to can verify it on the portal's verification page. Your application continues at RVO in the "
            "instrument's own procedure."
        ),
        while_open=_(
            "Once an authorised signatory has signed the declaration, it is kept as evidence and you can download "
            "its receipt. Your application is not held up meanwhile."
        ),
    ),
    FrameworkLevel.SELF_ASSESSMENT: NextStep(
        when_met=_(
            "RVO reads your self-assessment and may contact you about it. Your application continues at RVO in "
            "the instrument's own procedure."
        ),
        while_open=_(
            "Once the conditions above are fulfilled, RVO reads your self-assessment and may contact you about "
            "it. Your application is not held up meanwhile."
        ),
    ),
    FrameworkLevel.IMPROVEMENT_PLAN: NextStep(
        when_met=_(
            "The improvement plan is agreed with RVO. Your application continues at RVO in the instrument's own "
            "procedure; RVO follows the plan with you."
        ),
        while_open=_(
            "An RVO adviser contacts you to agree the improvement plan on the risks found in your due diligence. "
            "Your application continues meanwhile."
        ),
    ),
}


def conditions_asked(level: int) -> tuple[Condition, ...]:
    """The conditions ``level`` asks, in the order the applicant meets them."""
    return tuple(c for c in CONDITIONS if c.level <= level)


def condition_get(key: str) -> Condition:
    return next(c for c in CONDITIONS if c.key == key)


def asks(level: int, key: str) -> bool:
    return condition_get(key).level <= level


def conditions_met(level: int, facts: ApplicationFacts) -> bool:
    return all(c.met(facts) for c in conditions_asked(level))


def next_step(level: int, *, met: bool) -> str | Promise:
    step = NEXT_STEPS[level]
    return step.when_met if met else step.while_open


def application_facts(application) -> ApplicationFacts:
    """The facts of an ``InstrumentApplication`` the conditions read (at most three queries)."""
    declaration = application.current_declaration
    return ApplicationFacts(
        read_confirmed=application.read_confirmed_at is not None,
        endorsed=declaration is not None and declaration.decision == Decision.ENDORSED,
        self_assessed=asks(application.level, "self_assessment") and application.self_assessments.exists(),
        follow_up_open=application.follow_ups.filter(resolved_at__isnull=True).exists(),
    )


def _check_table():
    assert [c.level for c in CONDITIONS] == FrameworkLevel.values[1:], "one condition per level above 0"
    assert set(NEXT_STEPS) == set(FrameworkLevel.values), "a next step for every level"
    assert set(_MET) == {c.key for c in CONDITIONS}


_check_table()
