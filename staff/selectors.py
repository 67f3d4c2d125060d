"""Back-office reads. Every list is built to run a fixed number of queries, whatever its length."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from audit.models import AuditEvent
from core import jobs
from declarations.constants import Decision
from eherkenning.models import OIDCIdentity
from missions.constants import ACTIVE_STATUSES, MissionStatus, RegistrationStatus
from missions.lifecycle import SEAT_HOLDING
from missions.models import Attendance, Mission, Participant, PreparationSession, Registration
from missions.selectors import seat_counts_attach, status_counts, with_seat_counts
from organisations.constants import OrganisationKind, OrganisationVerification, SizeClass
from organisations.models import Membership, Organisation

from .constants import OVERVIEW_SESSION_DAYS
from .models import AgendaItem, FollowUpAction

STAFF_COUNTS = {
    "review_count": [RegistrationStatus.HELD_FOR_REVIEW],
    "pending_signature_count": [RegistrationStatus.PENDING_SIGNATURE],
}


def _with_counts(missions: QuerySet[Mission]) -> QuerySet[Mission]:
    return with_seat_counts(missions).annotate(**status_counts(**STAFF_COUNTS))


def mission_counts_attach(missions) -> list[Mission]:
    """Seat, review and signature counts for the missions shown (one query; see ``seat_counts_attach``)."""
    return seat_counts_attach(missions, **STAFF_COUNTS)


def missions_current_ids() -> list[int]:
    """Missions not yet over (ending today or later): the start page's work lists are about these.

    Registrations of missions that have ended stay reachable per mission; keeping them out of these
    lists keeps them the same size whatever the history (issue 15). A list of ids, not a subquery,
    so PostgreSQL plans with the real missions: given a subquery it walked the status index over all
    of history (700 ms at a million registrations) instead of reading these missions' rows.
    """
    return list(Mission.objects.filter(ends_on__gte=timezone.localdate()).values_list("pk", flat=True))


def mission_list_for_staff(*, status: str = "", q: str = "") -> QuerySet[Mission]:
    """All missions, filtered; paginate this and call ``mission_counts_attach`` for the page."""
    missions = Mission.objects.select_related("lead_contact")
    if status in MissionStatus.values:
        missions = missions.filter(status=status)
    if q:
        missions = missions.filter(Q(title_nl__icontains=q) | Q(title_en__icontains=q) | Q(slug__icontains=q))
    return missions.order_by("-starts_on", "pk")


def mission_get_for_staff(*, pk: int) -> Mission:
    return get_object_or_404(_with_counts(Mission.objects.all()).select_related("lead_contact"), pk=pk)


def missions_upcoming(*, limit: int = 20) -> list[Mission]:
    """Missions not yet over, soonest first, with their counts (computed for these rows only)."""
    missions = Mission.objects.filter(
        status__in=[MissionStatus.DRAFT, MissionStatus.PUBLISHED, MissionStatus.CLOSED],
        ends_on__gte=timezone.localdate(),
    ).order_by("starts_on", "pk")[:limit]
    return mission_counts_attach(missions)


def _registration_base() -> QuerySet[Registration]:
    return Registration.objects.select_related("organisation", "mission", "current_declaration")


def _oldest_first(registrations: QuerySet[Registration], *, limit: int | None) -> QuerySet[Registration]:
    """Oldest status change first. Sorted by an expression no index provides, so PostgreSQL reads
    the rows of the missions asked for and sorts those, instead of walking the status index over
    all of history in date order hoping to meet them (700 ms at a million registrations); with
    ``limit``, the joins are made for those rows only."""
    order = (Coalesce("status_changed_at", "created_at"), "pk")
    if limit is not None:
        registrations = Registration.objects.filter(pk__in=registrations.order_by(*order).values("pk")[:limit])
    return _registration_base().filter(pk__in=registrations.values("pk")).order_by(*order)


def registrations_awaiting_review(*, missions: list[int] | None = None, limit: int | None = None):
    """Held for review, oldest first; ``missions``: of these missions only (``missions_current_ids``)."""
    registrations = Registration.objects.filter(status=RegistrationStatus.HELD_FOR_REVIEW)
    if missions is not None:
        registrations = registrations.filter(mission_id__in=missions)
    return _oldest_first(registrations, limit=limit)


def registrations_pending_signature(*, missions: list[int] | None = None, limit: int | None = None):
    registrations = Registration.objects.filter(status=RegistrationStatus.PENDING_SIGNATURE)
    if missions is not None:
        registrations = registrations.filter(mission_id__in=missions)
    return _oldest_first(registrations, limit=limit)


def registrations_declined(*, missions: list[int] | None = None) -> QuerySet[Registration]:
    """Active registrations whose latest declaration decision is "not endorsed" (IMVO follow-up
    candidates), by mission date and organisation; with ``missions`` (those not yet over) the sort
    covers their registrations (index ``registration_mission_status``), never all of history.
    Whether a follow-up is planned: ``follow_up_flags_attach`` for the rows shown."""
    registrations = _registration_base().filter(
        status__in=ACTIVE_STATUSES, current_declaration__decision=Decision.NOT_ENDORSED
    )
    if missions is not None:
        # The ids first (index ``registration_mission_status``), so the join with the declarations
        # starts from these rows; given the missions alone, PostgreSQL read the decisions of all of
        # history (650 ms at a million registrations).
        registrations = registrations.filter(
            pk__in=list(
                Registration.objects.filter(mission_id__in=missions, status__in=ACTIVE_STATUSES).values_list(
                    "pk", flat=True
                )
            )
        )
    return registrations.order_by("mission__starts_on", "organisation__name", "pk")


def follow_up_flags_attach(registrations) -> list[Registration]:
    """Set ``has_open_follow_up`` on the registrations shown, in one query."""
    registrations = list(registrations)
    planned = set()
    if registrations:
        planned = set(
            FollowUpAction.objects.filter(
                done_at__isnull=True,
                mission_id__in={r.mission_id for r in registrations},
                organisation_id__in={r.organisation_id for r in registrations},
            ).values_list("mission_id", "organisation_id")
        )
    for registration in registrations:
        registration.has_open_follow_up = (registration.mission_id, registration.organisation_id) in planned
    return registrations


def sessions_upcoming(*, days: int = OVERVIEW_SESSION_DAYS) -> QuerySet[PreparationSession]:
    now = timezone.now()
    return (
        session_queryset()
        .filter(starts_at__gte=now - timedelta(hours=12), starts_at__lte=now + timedelta(days=days))
        .order_by("starts_at")
    )


def session_queryset() -> QuerySet[PreparationSession]:
    return PreparationSession.objects.select_related("mission").annotate(
        imvo_total=Count("agenda_items", filter=~Q(agenda_items__imvo_topic=""), distinct=True),
        imvo_done=Count(
            "agenda_items",
            filter=~Q(agenda_items__imvo_topic="") & Q(agenda_items__done_at__isnull=False),
            distinct=True,
        ),
    )


def follow_ups_open(*, missions: list[int] | None = None) -> QuerySet[FollowUpAction]:
    """Open follow-up actions, soonest due first (index ``followup_open_due_idx``)."""
    actions = FollowUpAction.objects.filter(done_at__isnull=True)
    if missions is not None:
        actions = actions.filter(mission_id__in=missions)
    return actions.select_related("organisation", "mission", "owner").order_by("due_on", "pk")


def follow_up_list(
    *, state: str = "open", mission_id=None, organisation_id=None, owner=None
) -> QuerySet[FollowUpAction]:
    actions = FollowUpAction.objects.select_related("organisation", "mission", "owner")
    if state == "open":
        actions = actions.filter(done_at__isnull=True)
    elif state == "overdue":
        actions = actions.filter(done_at__isnull=True, due_on__lt=timezone.localdate())
    elif state == "done":
        actions = actions.filter(done_at__isnull=False)
    if mission_id:
        actions = actions.filter(mission_id=mission_id)
    if organisation_id:
        actions = actions.filter(organisation_id=organisation_id)
    if owner is not None:
        actions = actions.filter(owner=owner)
    return actions.order_by("done_at", "due_on", "pk")


# --- Registrations of one mission ----------------------------------------------------------------

REGISTRATION_SORTS = {
    "organisation": ("organisation__name", "pk"),
    "-organisation": ("-organisation__name", "-pk"),
    "status": ("status", "waitlist_position", "organisation__name"),
    "-status": ("-status", "waitlist_position", "organisation__name"),
    "submitted": ("submitted_at", "pk"),
    "-submitted": ("-submitted_at", "-pk"),
    "waitlist": ("waitlist_position", "organisation__name"),
    "-waitlist": ("-waitlist_position", "organisation__name"),
    "kind": ("organisation__kind", "organisation__name"),
    "-kind": ("-organisation__kind", "organisation__name"),
    "size": ("organisation__size_class", "organisation__name"),
    "-size": ("-organisation__size_class", "organisation__name"),
    "sector": ("organisation__sector", "organisation__name"),
    "-sector": ("-organisation__sector", "organisation__name"),
    "decision": ("current_declaration__decision", "organisation__name"),
    "-decision": ("-current_declaration__decision", "organisation__name"),
}


def registration_list_for_mission(*, mission: Mission, filters: dict | None = None) -> QuerySet[Registration]:
    """Every registration except drafts, with organisation and latest declaration in the same query."""
    filters = filters or {}
    registrations = (
        Registration.objects.filter(mission=mission)
        .exclude(status=RegistrationStatus.DRAFT)
        .select_related("organisation", "current_declaration", "submitted_by")
        .annotate(participant_count=Count("participants"))
    )
    if filters.get("status") in RegistrationStatus.values:
        registrations = registrations.filter(status=filters["status"])
    if filters.get("kind") in OrganisationKind.values:
        registrations = registrations.filter(organisation__kind=filters["kind"])
    if filters.get("size") in SizeClass.values:
        registrations = registrations.filter(organisation__size_class=filters["size"])
    if filters.get("decision") == "none":
        registrations = registrations.filter(current_declaration__isnull=True)
    elif filters.get("decision") in Decision.values:
        registrations = registrations.filter(current_declaration__decision=filters["decision"])
    if filters.get("q"):
        q = filters["q"]
        registrations = registrations.filter(Q(organisation__name__icontains=q) | Q(organisation__kvk_number=q))
    order = REGISTRATION_SORTS.get(filters.get("sort") or "", REGISTRATION_SORTS["status"])
    return registrations.order_by(*order)


def mission_mix(*, mission: Mission) -> dict:
    """The composition of confirmed and waiting organisations, in one query."""
    active = Q(registrations__status__in=ACTIVE_STATUSES)
    confirmed = Q(registrations__status__in=SEAT_HOLDING)

    def counts(condition):
        return {
            "total": Count("registrations", filter=condition),
            "companies": Count(
                "registrations", filter=condition & Q(registrations__organisation__kind=OrganisationKind.COMPANY)
            ),
            "knowledge": Count(
                "registrations",
                filter=condition & Q(registrations__organisation__kind=OrganisationKind.KNOWLEDGE_INSTITUTION),
            ),
            "other": Count(
                "registrations", filter=condition & Q(registrations__organisation__kind=OrganisationKind.OTHER)
            ),
            "large": Count(
                "registrations", filter=condition & Q(registrations__organisation__size_class=SizeClass.LARGE)
            ),
            "sme": Count("registrations", filter=condition & Q(registrations__organisation__size_class=SizeClass.SME)),
            "endorsed": Count(
                "registrations", filter=condition & Q(registrations__current_declaration__decision=Decision.ENDORSED)
            ),
            "not_endorsed": Count(
                "registrations",
                filter=condition & Q(registrations__current_declaration__decision=Decision.NOT_ENDORSED),
            ),
        }

    confirmed_counts = counts(confirmed)
    active_counts = counts(active)
    row = Mission.objects.filter(pk=mission.pk).aggregate(
        **{f"confirmed_{k}": v for k, v in confirmed_counts.items()},
        **{f"active_{k}": v for k, v in active_counts.items()},
    )
    return {
        "confirmed": {k: row[f"confirmed_{k}"] for k in confirmed_counts},
        "active": {k: row[f"active_{k}"] for k in active_counts},
    }


# --- Sessions -------------------------------------------------------------------------------------


def session_participants(session: PreparationSession) -> QuerySet[Participant]:
    """Participants of the mission's seated registrations: the people invited to its sessions."""
    return (
        Participant.objects.filter(registration__mission_id=session.mission_id, registration__status__in=SEAT_HOLDING)
        .select_related("registration__organisation", "registration__submitted_by")
        .order_by("registration__organisation__name", "name")
    )


def session_get_for_staff(*, pk: int) -> PreparationSession:
    return get_object_or_404(
        session_queryset().prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("done_by"))
        ),
        pk=pk,
    )


def session_attendance_rows(*, session: PreparationSession) -> list[dict]:
    """One row per participant of a confirmed registration (or with an attendance record), with status."""
    records = {
        a.participant_id: a
        for a in Attendance.objects.filter(session=session).select_related("participant__registration__organisation")
    }
    rows = []
    seen = set()
    for participant in session_participants(session):
        rows.append({"participant": participant, "attendance": records.get(participant.pk)})
        seen.add(participant.pk)
    for participant_id, record in records.items():
        if participant_id not in seen:  # e.g. the registration was withdrawn after the session
            rows.append({"participant": record.participant, "attendance": record})
    return rows


def attendance_export_rows(*, mission: Mission) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(session__mission=mission)
        .select_related("session", "participant__registration__organisation")
        .order_by("session__starts_at", "participant__registration__organisation__name", "participant__name")
    )


def organisations_with_registration(*, mission: Mission) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        Exists(
            Registration.objects.filter(mission=mission, organisation=OuterRef("pk")).exclude(
                status=RegistrationStatus.DRAFT
            )
        )
    ).order_by("name")


# --- Audit ----------------------------------------------------------------------------------------


def audit_event_list(*, filters: dict | None = None) -> QuerySet[AuditEvent]:
    filters = filters or {}
    events = AuditEvent.objects.select_related("actor", "personal")
    if filters.get("actor"):
        actor = filters["actor"]
        events = events.filter(
            Q(actor__email__icontains=actor) | Q(personal__actor_email__icontains=actor) | Q(actor_label__iexact=actor)
        )
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"])
    if filters.get("date_from"):
        events = events.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        events = events.filter(created_at__date__lte=filters["date_to"])
    if filters.get("organisation"):
        organisation = filters["organisation"]
        events = events.filter(
            organisation_id__in=Organisation.objects.filter(
                Q(name__icontains=organisation) | Q(kvk_number=organisation)
            ).values("pk")
        )
    return events.order_by("-created_at", "-id")


def audit_action_prefixes() -> list[str]:
    """The action families present (``mission``, ``registration``, ...) for the filter's choices."""
    actions = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()
    return sorted({a.split(".", 1)[0] for a in actions})


def organisation_names(ids) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in={i for i in ids if i}).values_list("pk", "name"))


# --- organisations and their verification -------------------------------------------------------

ORGANISATION_VERIFICATION_FILTERS = ("all", "unverified", "verified")


def organisation_list_for_staff(*, verification: str = "all", query: str = "") -> QuerySet[Organisation]:
    """Organisations for the back-office, unverified first, with their member count; ``verification``
    narrows to ``unverified`` or ``verified`` ones, ``query`` to an exact KvK number or a name part."""
    organisations = Organisation.objects.select_related("verified_by").annotate(member_count=Count("memberships"))
    if verification == "unverified":
        organisations = organisations.filter(verification=OrganisationVerification.UNVERIFIED)
    elif verification == "verified":
        organisations = organisations.exclude(verification=OrganisationVerification.UNVERIFIED)
    query = query.strip()
    if query:
        organisations = organisations.filter(Q(kvk_number=query) | Q(name__icontains=query))
    unverified_first = Case(When(verification=OrganisationVerification.UNVERIFIED, then=0), default=1)
    return organisations.order_by(unverified_first, "name", "pk")


def organisation_get_for_staff(*, pk: int) -> Organisation:
    return get_object_or_404(Organisation.objects.select_related("verified_by"), pk=pk)


def organisation_memberships_for_staff(*, organisation: Organisation) -> QuerySet[Membership]:
    """Its members, administrators first, each marked when the account logs in with eHerkenning."""
    return (
        organisation.memberships.select_related("user")
        .annotate(eherkenning=Exists(OIDCIdentity.objects.filter(user_id=OuterRef("user_id"))))
        .order_by("role", "user__full_name", "pk")
    )


# --- Failed background jobs (core.jobs) ------------------------------------------------------


@dataclass(frozen=True)
class FailedJob:
    """One failed job of any registered kind, as staff see it."""

    kind: jobs.JobKind
    job: jobs.LeasedJob
    description: str
    given_up: bool


class FailedJobs:
    """Failed jobs of every registered kind, newest first, as a sequence a ``Paginator`` can slice.

    Counting takes one query per kind; a page takes one more per kind (at most ``stop`` rows of
    each), whatever the number of failed jobs, so the page's query count is bounded by the kinds.
    """

    def __init__(self, kinds: list[jobs.JobKind] | None = None):
        self.kinds = jobs.registered() if kinds is None else kinds

    def count(self) -> int:
        return sum(kind.failed().count() for kind in self.kinds)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[FailedJob]:
        if not isinstance(index, slice):
            raise TypeError("FailedJobs is read a page at a time")
        start, stop = index.start or 0, index.stop
        rows = []
        for kind in self.kinds:
            for job in kind.failed().order_by(F("finished_at").desc(nulls_last=True), "-pk")[:stop]:
                rows.append(FailedJob(kind, job, kind.describe(job), jobs.is_given_up(job)))
        rows.sort(key=_newest_first, reverse=True)
        return rows[start:stop]


def _newest_first(row: FailedJob) -> tuple[float, str, int]:
    finished = row.job.finished_at.timestamp() if row.job.finished_at else float("-inf")
    return (finished, row.kind.kind, row.job.pk)


def failed_jobs() -> FailedJobs:
    return FailedJobs()
