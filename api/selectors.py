"""What the API reads, each as one bounded set of queries per page."""

from collections import defaultdict

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.constants import RVO_STAFF_GROUP
from accounts.models import User
from audit.models import AuditEvent
from dashboard.models import DashboardRelease, ReleasedUptakeRollup
from dashboard.selectors import Filters, dashboard_report, missions_known
from declarations.models import Checkpoint, Declaration
from instruments.models import Instrument, LevelDecision, RolloutPhase
from missions.models import Attendance, Mission, Participant, PreparationSession, Registration

from .constants import ACTOR_API_CLIENT, ACTOR_DELETED_ACCOUNT, ACTOR_ORGANISATION, ACTOR_PORTAL, ACTOR_RVO_STAFF
from .models import ApiClient

# Audit actions on a registration and the status each leads to (None: no status of its own).
STATUS_EVENTS = {
    "registration.start": "draft",
    "registration.submit": None,
    "registration.hold": "held_for_review",
    "registration.confirm": "confirmed",
    "registration.waitlist": "waitlisted",
    "registration.promote": "confirmed",
    "registration.withdraw": "withdrawn",
    "registration.reject": "rejected",
    "registration.cancel": "cancelled",
}


def missions_all() -> QuerySet[Mission]:
    return Mission.objects.all()


def sessions_all() -> QuerySet[PreparationSession]:
    return PreparationSession.objects.select_related("mission")


def registrations_all(*, personal: bool) -> QuerySet[Registration]:
    """Submitted registrations (drafts are the organisation's own business), with what a page needs."""
    registrations = (
        Registration.objects.exclude(status="draft")
        .select_related("mission", "organisation", "current_declaration")
        .prefetch_related(Prefetch("participants", queryset=Participant.objects.order_by("pk")))
    )
    if personal:
        registrations = registrations.select_related("submitted_by")
    return registrations


def _actor_kinds(actor_ids: set[int]) -> dict[int, tuple[str, str | None]]:
    """Who each actor is, without naming them: (``by``, the API client's id or None); two queries."""
    clients = dict(ApiClient.objects.filter(service_user_id__in=actor_ids).values_list("service_user_id", "client_id"))
    staff = set(
        User.objects.filter(pk__in=actor_ids - set(clients), groups__name=RVO_STAFF_GROUP).values_list("pk", flat=True)
    )
    kinds = {}
    for pk in actor_ids:
        if pk in clients:
            kinds[pk] = (ACTOR_API_CLIENT, clients[pk])
        else:
            kinds[pk] = (ACTOR_RVO_STAFF if pk in staff else ACTOR_ORGANISATION, None)
    return kinds


def registration_history(registration_ids: list[int]) -> dict[int, list[dict]]:
    """The status events of these registrations from the audit trail, oldest first, each with who
    acted (``by``: the organisation, RVO staff, an API client with its id, or the portal itself);
    at most three queries for any number of registrations."""
    events = list(
        AuditEvent.objects.filter(
            object_type="missions.registration",
            object_id__in=[str(pk) for pk in registration_ids],
            action__in=list(STATUS_EVENTS),
        )
        .order_by("created_at", "id")
        .values_list("object_id", "action", "created_at", "actor_id", "actor_label")
    )
    actor_ids = {event[3] for event in events if event[3] is not None}
    kinds = _actor_kinds(actor_ids) if actor_ids else {}
    history = defaultdict(list)
    for object_id, action, created_at, actor_id, actor_label in events:
        if actor_id is None:  # nobody, or an account deleted since (its pseudonymous label stays)
            by, client_id = (ACTOR_DELETED_ACCOUNT if actor_label else ACTOR_PORTAL), None
        else:
            by, client_id = kinds[actor_id]
        history[int(object_id)].append(
            {
                "event": action.split(".", 1)[1],
                "status": STATUS_EVENTS[action],
                "at": created_at,
                "by": by,
                "client_id": client_id,
            }
        )
    return history


def attendance_of(session: PreparationSession) -> QuerySet[Attendance]:
    return Attendance.objects.filter(session=session).select_related("participant")


def instruments_all() -> QuerySet[Instrument]:
    """Instruments with their current level decision (``current_decision``) and its phase."""
    return Instrument.objects.prefetch_related(
        Prefetch(
            "level_decisions",
            queryset=LevelDecision.objects.select_related("phase").order_by("instrument_id", "-version"),
            to_attr="decisions_newest_first",
        )
    )


def with_current_decision(instruments) -> list[Instrument]:
    for instrument in instruments:
        decisions = getattr(instrument, "decisions_newest_first", None)
        instrument.current_decision = decisions[0] if decisions else None
    return instruments


def phases_all() -> QuerySet[RolloutPhase]:
    return RolloutPhase.objects.order_by("number")


def declarations_all(*, personal: bool) -> QuerySet[Declaration]:
    declarations = Declaration.objects.defer("explanation")
    if personal:
        declarations = Declaration.objects.select_related("personal")
    return declarations


def checkpoints_covering(sequences: list[int]) -> dict[int, Checkpoint]:
    """For each record sequence, the first checkpoint at or after it (``declarations.checkpoints.
    checkpoint_covering``), for a whole page in two queries."""
    if not sequences:
        return {}
    low, high = min(sequences), max(sequences)
    within = list(Checkpoint.objects.filter(sequence__gte=low, sequence__lt=high).order_by("sequence", "number"))
    after = Checkpoint.objects.filter(sequence__gte=high).order_by("sequence", "number").first()
    candidates = within + ([after] if after is not None else [])
    covering = {}
    for sequence in sequences:
        covering[sequence] = next((c for c in candidates if c.sequence >= sequence), None)
    return covering


def releases_published() -> QuerySet[DashboardRelease]:
    """The ministry's published releases (``dashboard.release_method``), newest first."""
    return DashboardRelease.objects.order_by("-number")


def release_get(number: int) -> DashboardRelease:
    return get_object_or_404(DashboardRelease, number=number)


def release_figures(release: DashboardRelease, *, language: str) -> dict:
    """What the ministry's dashboard shows for this release (``dashboard.selectors.dashboard_report``
    over the release's cells): the same figures, with the same disclosure control."""
    report = dashboard_report(
        filters=Filters(),
        missions=missions_known(),
        language=language,
        source=ReleasedUptakeRollup.objects.filter(release=release),
    )
    return {
        "headline": [
            {"label": str(label), "value": cell.value, "text": str(cell.text), "note": str(note or "")}
            for label, cell, note in report.headline
        ],
        "sections": [
            {
                "key": section.key,
                "title": str(section.title),
                "columns": [str(c) for c in section.columns],
                "rows": [{"label": str(label), "values": [c.value for c in cells]} for label, cells in section.rows],
            }
            for section in report.sections
        ],
    }
