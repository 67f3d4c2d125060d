"""Reads that enforce visibility: the public catalogue shows published missions only."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from organisations.selectors import membership_get

from .constants import Availability, MissionStatus, RegistrationStatus
from .lifecycle import SEAT_HOLDING
from .models import Mission, PreparationSession, Registration
from .rules import CLOSED, NOT_YET_OPEN, registration_open_q, registration_window

S = RegistrationStatus


@dataclass(frozen=True)
class MissionFilters:
    theme: str = ""
    country: str = ""
    state: str = ""  # "open" | "closed" | ""
    q: str = ""


def status_counts(**statuses) -> dict:
    """``Count`` annotations of a mission's registrations: ``status_counts(review_count=[...])``."""
    return {name: Count("registrations", filter=Q(registrations__status__in=list(s))) for name, s in statuses.items()}


def with_seat_counts(queryset: QuerySet[Mission]) -> QuerySet[Mission]:
    """Missions annotated with ``confirmed_count`` (seats taken, ``lifecycle.SEAT_HOLDING``) and
    ``waitlisted_count``: the one way lists count seats (services use ``services.seats_taken``)."""
    return queryset.annotate(**status_counts(confirmed_count=SEAT_HOLDING, waitlisted_count=[S.WAITLISTED]))


def registration_counts_by_status(mission_ids: list[int]) -> QuerySet:
    """``(mission_id, status, n)`` rows for these missions (index-only on ``registration_mission_status``)."""
    return (
        Registration.objects.filter(mission_id__in=mission_ids)
        .order_by()
        .values_list("mission_id", "status")
        .annotate(n=Count("*"))  # COUNT(*): an index-only scan, no table rows read
    )


def seat_counts_attach(missions: Iterable[Mission], **statuses) -> list[Mission]:
    """Give each mission (one page of a list) ``confirmed_count`` and ``waitlisted_count`` like
    ``with_seat_counts``, plus one ``<name>`` per ``name=[statuses]``, in one grouped query over the
    registrations of these missions only (index ``registration_mission_status``). Lists paginate the
    plain mission queryset and call this for the rows shown, so neither the page nor the
    paginator's COUNT grows with the number of registrations."""
    missions = list(missions)
    per_mission: dict[int, Counter] = defaultdict(Counter)
    if missions:
        for mission_id, status, n in registration_counts_by_status([m.pk for m in missions]):
            per_mission[mission_id][status] = n
    wanted = {"confirmed_count": SEAT_HOLDING, "waitlisted_count": [S.WAITLISTED], **statuses}
    for mission in missions:
        counts = per_mission[mission.pk]
        for name, counted in wanted.items():
            setattr(mission, name, sum(counts[s] for s in counted))
    return missions


def mission_seats_left(mission: Mission) -> int:
    return max(mission.capacity_max - mission.confirmed_count, 0)


def mission_availability(mission: Mission, now=None) -> str:
    """Open / waiting list / not yet open / closed, from a mission annotated by ``with_seat_counts``."""
    window = registration_window(mission, now)
    if window == CLOSED:
        return Availability.CLOSED
    if window == NOT_YET_OPEN:
        return Availability.NOT_YET_OPEN
    return Availability.OPEN if mission_seats_left(mission) > 0 else Availability.WAITING_LIST


def mission_list_published(*, filters: MissionFilters | None = None) -> QuerySet[Mission]:
    """Published (and closed/completed) missions for the catalogue, filtered; no counts: the view
    paginates this and gives the missions shown their seats with ``seat_counts_attach``."""
    filters = filters or MissionFilters()
    now = timezone.now()
    missions = Mission.objects.filter(
        status__in=[MissionStatus.PUBLISHED, MissionStatus.CLOSED, MissionStatus.COMPLETED]
    )
    if filters.theme:
        missions = missions.filter(theme=filters.theme)
    if filters.country:
        missions = missions.filter(country=filters.country.upper())
    if filters.state == "open":
        missions = missions.filter(registration_open_q(now))
    elif filters.state == "closed":
        missions = missions.exclude(registration_open_q(now))
    if filters.q:
        term = filters.q.strip()[:100]
        missions = missions.filter(
            Q(title_nl__icontains=term)
            | Q(title_en__icontains=term)
            | Q(summary_nl__icontains=term)
            | Q(summary_en__icontains=term)
            | Q(city_nl__icontains=term)
            | Q(city_en__icontains=term)
        )
    return missions.order_by("starts_on", "pk")


def mission_countries_published() -> list[str]:
    return list(
        Mission.objects.filter(status__in=[MissionStatus.PUBLISHED, MissionStatus.CLOSED, MissionStatus.COMPLETED])
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )


def mission_get_published(*, slug: str) -> Mission:
    """A mission visible to the public (published, closed or completed), with counts and sessions; else 404."""
    sessions = PreparationSession.objects.order_by("starts_at")
    try:
        return (
            with_seat_counts(
                Mission.objects.filter(
                    slug=slug, status__in=[MissionStatus.PUBLISHED, MissionStatus.CLOSED, MissionStatus.COMPLETED]
                )
            )
            .prefetch_related(Prefetch("preparation_sessions", queryset=sessions))
            .get()
        )
    except Mission.DoesNotExist:
        raise Http404 from None


def registration_list_for_user(*, user) -> QuerySet[Registration]:
    """Registrations of every organisation the user is a member of (not drafts of others)."""
    return (
        Registration.objects.filter(organisation__memberships__user=user)
        .select_related("mission", "organisation", "current_declaration__receipt", "submitted_by")
        .prefetch_related("participants")
        .order_by("-created_at")
    )


def registration_get_for_member(*, user, registration_id) -> tuple[Registration, object]:
    """A registration and the user's membership of its organisation; 404 for non-members."""
    try:
        registration = Registration.objects.select_related(
            "mission", "organisation", "current_declaration__receipt", "current_declaration__text"
        ).get(pk=int(registration_id))
    except (Registration.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    membership = membership_get(user=user, organisation_id=registration.organisation_id)
    return registration, membership


def registrations_of_user_for_mission(*, user, mission: Mission) -> list[Registration]:
    return list(
        Registration.objects.filter(mission=mission, organisation__memberships__user=user).select_related(
            "organisation"
        )
    )


def registration_overview_for(*, organisation_ids: list[int]) -> QuerySet[Registration]:
    """The registrations of these organisations for the company overview, newest first (no drafts of others)."""
    return (
        Registration.objects.filter(organisation_id__in=organisation_ids)
        .select_related("mission", "organisation", "current_declaration__receipt")
        .order_by("-created_at")
    )
