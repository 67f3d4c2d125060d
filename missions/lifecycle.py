"""The two lifecycles of the missions app, as declarative tables.

Each ``Transition`` says from which states an action may start, where it can lead, who may do it
(a policy name of ``organisations.policies``) and what else happens. Services check every change
against these tables (``transition_check``), views and staff pages read them to decide which
buttons to show (``actions_available``), and ``docs/domain.md`` is generated from them
(``python manage.py domain_doc``; a test fails when the document differs).

A small table of our own rather than django-fsm-2 or viewflow: our transitions need a row lock on
the *mission* (seat allocation) around several registrations at once, and outcomes that depend on
seats (confirmed or waitlisted), which a per-instance ``@transition`` decorator does not model;
the table is twenty lines and is also the documentation.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from organisations.policies import POLICIES, can

from .constants import ACTIVE_STATUSES
from .constants import MissionStatus as M
from .constants import RegistrationStatus as R
from .exceptions import InvalidMissionTransition, InvalidRegistrationState


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    policy: str  # who may: a key of organisations.policies.POLICIES
    effects: str


# --- Registration -------------------------------------------------------------------------------

SUBMITTED_OPEN = ACTIVE_STATUSES
"""Submitted registrations that are not final: they hold, wait for or may still get a seat."""

SEAT_HOLDING = (R.CONFIRMED,)
"""The statuses that take one of the mission's seats (``capacity_max``). The one definition."""

STAFF_REGISTRATION_ACTIONS = ("confirm", "promote", "reject", "withdraw")
"""The registration actions the back-office offers (``withdraw`` on the organisation's behalf)."""

REGISTRATION_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "start",
        _("Start a registration"),
        ("",),
        (R.DRAFT,),
        "registration.edit_draft",
        _("Needs an open registration window and a complete organisation profile; one per organisation."),
    ),
    Transition(
        "submit",
        _("Submit"),
        (R.DRAFT,),
        (R.PENDING_SIGNATURE, R.HELD_FOR_REVIEW, R.CONFIRMED, R.WAITLISTED),
        "registration.edit_draft",
        _(
            "With a signatory's answer: a declaration record is written, then confirmed while seats remain, "
            "else waitlisted, or held for review when the declaration is declined on a mission that requires it. "
            "Without: waits for a signatory, who is e-mailed."
        ),
    ),
    Transition(
        "sign",
        _("Sign or decline the declaration"),
        (R.PENDING_SIGNATURE,),
        (R.HELD_FOR_REVIEW, R.CONFIRMED, R.WAITLISTED),
        "declaration.sign",
        _("A declaration record is written; then as for submit."),
    ),
    Transition(
        "confirm",
        _("Accept after review"),
        (R.HELD_FOR_REVIEW,),
        (R.CONFIRMED, R.WAITLISTED),
        "registration.decide",
        _("Confirmed while seats remain, else on the waiting list (never over capacity); the organisation is told."),
    ),
    Transition(
        "promote",
        _("Move up from the waiting list"),
        (R.WAITLISTED,),
        (R.CONFIRMED,),
        "registration.decide",
        _("Only while a seat is free; the waiting list closes up; the organisation is told."),
    ),
    Transition(
        "reject",
        _("Reject"),
        SUBMITTED_OPEN,
        (R.REJECTED,),
        "registration.decide",
        _("Needs a reason, mailed to the organisation; a freed seat goes to the first on the waiting list."),
    ),
    Transition(
        "withdraw",
        _("Withdraw"),
        SUBMITTED_OPEN,
        (R.WITHDRAWN,),
        "registration.withdraw",
        _(
            "Needs a reason; a signed declaration gets a 'withdrawn' record; a freed seat goes to the first on "
            "the waiting list."
        ),
    ),
    Transition(
        "discard",
        _("Discard the draft"),
        (R.DRAFT,),
        (R.WITHDRAWN,),
        "registration.discard_draft",
        _("Nothing was submitted, so nothing else changes."),
    ),
    Transition(
        "cancel",
        _("Cancelled with the mission"),
        (R.DRAFT, *SUBMITTED_OPEN),
        (R.CANCELLED,),
        "mission.manage",
        _(
            "Only as part of cancelling the mission: seats and waiting list close, the organisation is told in "
            "each recipient's language, declaration records stay."
        ),
    ),
)

# --- Mission ------------------------------------------------------------------------------------

MISSION_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "publish",
        _("Publish"),
        (M.DRAFT, M.CLOSED),
        (M.PUBLISHED,),
        "mission.manage",
        _("Needs dates, a summary and a description in both languages; visible in the catalogue."),
    ),
    Transition(
        "close",
        _("Close registration"),
        (M.PUBLISHED,),
        (M.CLOSED,),
        "mission.manage",
        _("No new registrations; seats freed or added still go to the waiting list."),
    ),
    Transition(
        "complete",
        _("Mark as completed"),
        (M.PUBLISHED, M.CLOSED),
        (M.COMPLETED,),
        "mission.manage",
        _("Only once the mission has started; registrations stay as they are."),
    ),
    Transition(
        "cancel",
        _("Cancel"),
        (M.DRAFT, M.PUBLISHED, M.CLOSED),
        (M.CANCELLED,),
        "mission.manage",
        _(
            "Needs a reason; every registration that is not final is cancelled and its organisation told; "
            "declaration records stay."
        ),
    ),
)

SEATS_MOVE = (M.PUBLISHED, M.CLOSED)
"""Mission statuses in which freed or added seats go to the waiting list."""

LIFECYCLES = {"registration": REGISTRATION_TRANSITIONS, "mission": MISSION_TRANSITIONS}


def transition_get(lifecycle: str, action: str) -> Transition:
    for transition in LIFECYCLES[lifecycle]:
        if transition.action == action:
            return transition
    raise KeyError(f"{lifecycle}: unknown action {action!r}")


def transition_check(lifecycle: str, action: str, state: str) -> Transition:
    """The transition, or the lifecycle's domain error when ``action`` cannot start from ``state``."""
    try:
        transition = transition_get(lifecycle, action)
    except KeyError:
        transition = None
    if transition is None or state not in transition.sources:
        if lifecycle == "mission":
            raise InvalidMissionTransition()
        raise InvalidRegistrationState()
    return transition


def withdrawal_transition(state: str) -> Transition:
    """Taking a registration back: discarding a draft, or withdrawing one that was submitted."""
    return transition_get("registration", "discard" if state == R.DRAFT else "withdraw")


def actions_available(lifecycle: str, state: str, *, user=None, obj=None, exclude=()) -> list[Transition]:
    """Transitions that may start from ``state`` (and that ``user`` may do on ``obj``, if given)."""
    return transitions_from(LIFECYCLES[lifecycle], state, user=user, obj=obj, exclude=exclude)


def transitions_from(transitions, state: str, *, user=None, obj=None, exclude=()) -> list[Transition]:
    """Of a lifecycle table (here or another app's), the transitions that may start from ``state``
    (and that ``user`` may do on ``obj``, if given)."""
    return [
        t
        for t in transitions
        if state in t.sources and t.action not in exclude and (user is None or can(user, t.policy, obj))
    ]


def _check_policies_exist():
    for transitions in LIFECYCLES.values():
        for t in transitions:
            assert t.policy in POLICIES, t.policy


_check_policies_exist()
