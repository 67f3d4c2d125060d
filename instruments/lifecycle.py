"""The lifecycle of an instrument application's IMVO conditions, as a declarative table.

The same shape as ``missions.lifecycle``: each ``Transition`` says from which states an action may
start, where it can lead, who may do it (a policy of ``organisations.policies``) and what else
happens. Services check every change against the table (``application_transition_check``) and
set the status by the one rule below (``application_status``); the application page reads the
table to decide which actions to offer (``application_actions``); ``docs/domain.md`` prints it.

The status is not chosen by an action: it follows from the facts. A follow-up still open means
``follow_up``; otherwise the conditions of the application's level (``instruments.conditions``)
are met (``complete``) or not yet (``open``). There is no refusal: no state and no action rejects
an application (no knock-out).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from missions.lifecycle import Transition, transitions_from
from organisations.policies import POLICIES

from .conditions import CONDITIONS, ApplicationFacts, conditions_met
from .constants import ApplicationStatus as A
from .exceptions import InvalidApplicationState

ANY_STATUS = (A.OPEN, A.COMPLETE, A.FOLLOW_UP)

APPLICANT_OPEN = (A.OPEN, A.FOLLOW_UP)
"""The statuses in which the applicant still acts on the conditions; ``complete`` is done."""

APPLICATION_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "start",
        _("Start the IMVO conditions of an application"),
        ("",),
        ANY_STATUS,
        "instrument.apply",
        _(
            "Once per organisation and application reference (starting again finds the same one). The level in "
            "force today is recorded and stays for this application; a level without conditions is complete at "
            "once; the improvement-plan level opens a follow-up."
        ),
    ),
    Transition(
        "confirm_read",
        _("Confirm having read the IMVO information"),
        APPLICANT_OPEN,
        ANY_STATUS,
        "instrument.apply",
        _("Only if the level asks for it; recorded once, with the IMVO brochure version opened."),
    ),
    Transition(
        "sign",
        _("Sign or decline the OECD declaration"),
        APPLICANT_OPEN,
        ANY_STATUS,
        "declaration.sign",
        _(
            "Only if the level asks for it: a declaration record in the evidence chain, with a receipt. Declining "
            "opens a follow-up with guidance, never a refusal."
        ),
    ),
    Transition(
        "sign_right_text",
        _("Sign the declaration text written for the instrument"),
        (A.COMPLETE,),
        ANY_STATUS,
        "declaration.sign",
        _(
            "Only when the current declaration was signed with the text of another kind of undertaking (the "
            "missions' text, before texts had kinds): a new record on the instrument's own text; the earlier one "
            "stays as it was signed."
        ),
    ),
    Transition(
        "self_assess",
        _("Submit the due-diligence self-assessment"),
        APPLICANT_OPEN,
        ANY_STATUS,
        "instrument.apply",
        _(
            "Only if the level asks for it; kept as evidence (SHA-256 in the audit trail). A step answered "
            "'partly' or 'not yet' opens a follow-up with guidance, never a refusal."
        ),
    ),
    Transition(
        "resolve_follow_up",
        _("Mark a follow-up as done"),
        (A.FOLLOW_UP,),
        ANY_STATUS,
        "instrument.manage",
        _("Guidance given or improvement plan agreed; the status follows from the conditions and other follow-ups."),
    ),
)

LIFECYCLES = {"instrument application": APPLICATION_TRANSITIONS}
"""This app's lifecycles, for ``docs/domain.md``."""


def application_status(level: int, facts: ApplicationFacts) -> str:
    """The one rule from an application's facts to its status."""
    if facts.follow_up_open:
        return A.FOLLOW_UP
    return A.COMPLETE if conditions_met(level, facts) else A.OPEN


def application_transition_get(action: str) -> Transition:
    return next(t for t in APPLICATION_TRANSITIONS if t.action == action)


def application_transition_check(action: str, state: str) -> Transition:
    """The transition, or ``InvalidApplicationState`` when ``action`` cannot start from ``state``."""
    transition = application_transition_get(action)
    if state not in transition.sources:
        raise InvalidApplicationState()
    return transition


def application_actions(state: str, *, user=None, obj=None) -> set[str]:
    """The actions that may start from ``state`` (and that ``user`` may do on ``obj``, if given)."""
    return {t.action for t in transitions_from(APPLICATION_TRANSITIONS, state, user=user, obj=obj)}


def _check_table():
    actions = {t.action for t in APPLICATION_TRANSITIONS}
    for t in APPLICATION_TRANSITIONS:
        assert t.policy in POLICIES, t.policy
    for condition in CONDITIONS:
        assert not condition.action or condition.action in actions, condition.action


_check_table()
