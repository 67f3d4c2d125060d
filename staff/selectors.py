"""Back-office reads. Every list is built to run a fixed number of queries, whatever its length."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from audit.models import AuditEvent
from declarations.constants import Decision
from missions.constants import ACTIVE_STATUSES, MissionStatus, RegistrationStatus
from missions.lifecycle import SEAT_HOLDING
from missions.models import Mission, Participant, PreparationSession, Registration
from missions.selectors import status_counts, with_seat_counts
from organisations.constants import OrganisationKind, SizeClass
from organisations.models import Organisation

from .constants import OVERVIEW_SESSION_DAYS
from .models import AgendaItem, Attendance, FollowUpAction


def _with_counts(missions: QuerySet[Mission]) -> QuerySet[Mission]:
    return with_seat_counts(missions).annotate(
        **status_counts(
            review_count=[RegistrationStatus.HELD_FOR_REVIEW],
            pending_signature_count=[RegistrationStatus.PENDING_SIGNATURE],
        )
    )


def mission_list_for_staff(*, status: str = "", q: str = "") -> QuerySet[Mission]:
    missions = _with_counts(Mission.objects.all()).select_related("lead_contact")
    if status in MissionStatus.values:
        missions = missions.filter(status=status)
    if q:
        missions = missions.filter(Q(title_nl__icontains=q) | Q(title_en__icontains=q) | Q(slug__icontains=q))
    return missions.order_by("-starts_on", "pk")


def mission_get_for_staff(*, pk: int) -> Mission:
    return get_object_or_404(_with_counts(Mission.objects.all()).select_related("lead_contact"), pk=pk)


def missions_upcoming() -> QuerySet[Mission]:
    return _with_counts(
        Mission.objects.filter(
            status__in=[MissionStatus.DRAFT, MissionStatus.PUBLISHED, MissionStatus.CLOSED],
            ends_on__gte=timezone.localdate(),
        )
    ).order_by("starts_on", "pk")


def _registration_base() -> QuerySet[Registration]:
    return Registration.objects.select_related("organisation", "mission", "current_declaration")


def registrations_awaiting_review() -> QuerySet[Registration]:
    return _registration_base().filter(status=RegistrationStatus.HELD_FOR_REVIEW).order_by("status_changed_at", "pk")


def registrations_pending_signature() -> QuerySet[Registration]:
    return _registration_base().filter(status=RegistrationStatus.PENDING_SIGNATURE).order_by("status_changed_at", "pk")


def registrations_declined() -> QuerySet[Registration]:
    """Active registrations whose latest declaration decision is "not endorsed" (IMVO follow-up candidates)."""
    return (
        _registration_base()
        .filter(status__in=ACTIVE_STATUSES, current_declaration__decision=Decision.NOT_ENDORSED)
        .annotate(
            has_open_follow_up=Exists(
                FollowUpAction.objects.filter(
                    organisation=OuterRef("organisation"), mission=OuterRef("mission"), done_at__isnull=True
                )
            )
        )
        .order_by("mission__starts_on", "organisation__name")
    )


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


def follow_ups_open() -> QuerySet[FollowUpAction]:
    return (
        FollowUpAction.objects.filter(done_at__isnull=True)
        .select_related("organisation", "mission", "owner")
        .order_by("due_on", "pk")
    )


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
    events = AuditEvent.objects.select_related("actor")
    if filters.get("actor"):
        events = events.filter(Q(actor__email__icontains=filters["actor"]) | Q(actor_email__icontains=filters["actor"]))
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
