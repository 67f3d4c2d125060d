"""Writes of the dashboard: keep the non-personal facts current and rebuild the rollups from them."""

import logging
import time
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear

from brochures.constants import Channel
from brochures.models import BrochureDailyCount
from declarations.constants import Decision
from declarations.models import Declaration
from missions.constants import RegistrationStatus
from missions.models import Mission, Participant, PreparationSession, Registration
from organisations.models import Organisation
from staff.models import Attendance

from .constants import ALL_COUNTRIES, ALL_MISSIONS, ALL_YEARS
from .models import (
    AttendanceFact,
    AttendanceRollup,
    BrochureCountFact,
    BrochureRollup,
    MissionDimension,
    RefreshState,
    RegistrationFact,
    UptakeRollup,
)

logger = logging.getLogger(__name__)

CATEGORY = ("sector", "kind", "size_class")
# (dimensions grouped on, fixed values for the dimensions that mean "all")
SCOPES = (
    (("year", "country", "mission_id"), {}),
    (("year", "country"), {"mission_id": ALL_MISSIONS}),
    (("year",), {"country": ALL_COUNTRIES, "mission_id": ALL_MISSIONS}),
    (("country",), {"year": ALL_YEARS, "mission_id": ALL_MISSIONS}),
    ((), {"year": ALL_YEARS, "country": ALL_COUNTRIES, "mission_id": ALL_MISSIONS}),
)
NOT_ENDORSED = (Decision.NOT_ENDORSED, Decision.WITHDRAWN)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def missions_sync() -> int:
    """Copy every mission's title, destination and year into the dashboard's own table."""
    rows = [
        MissionDimension(
            mission_id=m.pk,
            slug=m.slug,
            title_nl=m.title_nl,
            title_en=m.title_en,
            country=m.country,
            year=m.starts_on.year,
            starts_on=m.starts_on,
        )
        for m in Mission.objects.only("pk", "slug", "title_nl", "title_en", "country", "starts_on")
    ]
    MissionDimension.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["mission_id"],
        update_fields=["slug", "title_nl", "title_en", "country", "year", "starts_on"],
    )
    return len(rows)


def registration_facts_sync(*, now: datetime) -> None:
    """Upsert one fact per submitted registration, in one statement.

    A recorded decision is kept when the live row no longer has one (records erased or deleted);
    rows that did not change are not rewritten.
    """
    fact = _table(RegistrationFact)
    sql = f"""
        INSERT INTO {fact} (registration_id, mission_id, organisation_id, year, country, sector, kind,
                            size_class, status, decision, first_seen_at, updated_at)
        SELECT r.id, r.mission_id, r.organisation_id, md.year, md.country, o.sector, o.kind, o.size_class,
               r.status, COALESCE(d.decision, ''), %s, %s
        FROM {_table(Registration)} r
        JOIN {_table(MissionDimension)} md ON md.mission_id = r.mission_id
        JOIN {_table(Organisation)} o ON o.id = r.organisation_id
        LEFT JOIN {_table(Declaration)} d ON d.id = r.current_declaration_id
        WHERE r.status <> %s
        ON CONFLICT (registration_id) DO UPDATE SET
            mission_id = excluded.mission_id, organisation_id = excluded.organisation_id, year = excluded.year,
            country = excluded.country, sector = excluded.sector, kind = excluded.kind,
            size_class = excluded.size_class, status = excluded.status,
            decision = CASE WHEN excluded.decision = '' THEN {fact}.decision ELSE excluded.decision END,
            updated_at = excluded.updated_at
        WHERE {fact}.status <> excluded.status OR {fact}.year <> excluded.year
           OR {fact}.country <> excluded.country OR {fact}.sector <> excluded.sector
           OR {fact}.kind <> excluded.kind OR {fact}.size_class <> excluded.size_class
           OR (excluded.decision <> '' AND {fact}.decision <> excluded.decision)
    """  # noqa: S608 - table names come from model metadata; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, RegistrationStatus.DRAFT])


def attendance_facts_sync(*, now: datetime) -> None:
    """Upsert one fact per attendance record (kept when the participant is erased later)."""
    fact = _table(AttendanceFact)
    sql = f"""
        INSERT INTO {fact} (attendance_id, mission_id, year, sector, kind, size_class, status, updated_at)
        SELECT a.id, s.mission_id, md.year, o.sector, o.kind, o.size_class, a.status, %s
        FROM {_table(Attendance)} a
        JOIN {_table(PreparationSession)} s ON s.id = a.session_id
        JOIN {_table(MissionDimension)} md ON md.mission_id = s.mission_id
        JOIN {_table(Participant)} p ON p.id = a.participant_id
        JOIN {_table(Registration)} r ON r.id = p.registration_id
        JOIN {_table(Organisation)} o ON o.id = r.organisation_id
        WHERE a.id > 0
        ON CONFLICT (attendance_id) DO UPDATE SET
            status = excluded.status, sector = excluded.sector, kind = excluded.kind,
            size_class = excluded.size_class, updated_at = excluded.updated_at
        WHERE {fact}.status <> excluded.status OR {fact}.sector <> excluded.sector
           OR {fact}.kind <> excluded.kind OR {fact}.size_class <> excluded.size_class
    """  # noqa: S608 - table names come from model metadata; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [now])


def _uptake_rows() -> list[UptakeRollup]:
    measures = {
        "registrations": Count("id"),
        "organisations": Count("organisation_id", distinct=True),
        "organisations_endorsed": Count("organisation_id", distinct=True, filter=Q(decision=Decision.ENDORSED)),
        "declarations_endorsed": Count("id", filter=Q(decision=Decision.ENDORSED)),
        "declarations_not_endorsed": Count("id", filter=Q(decision__in=NOT_ENDORSED)),
        "declarations_pending": Count("id", filter=Q(decision="")),
    }
    rows = []
    for dimensions, fixed in SCOPES:
        grouped = RegistrationFact.objects.order_by().values(*dimensions, *CATEGORY).annotate(**measures)
        rows.extend(UptakeRollup(**fixed, **values) for values in grouped)
    return rows


def _attendance_rows() -> list[AttendanceRollup]:
    grouped = (
        AttendanceFact.objects.order_by()
        .values("year", "mission_id", *CATEGORY)
        .annotate(
            invited=Count("id", filter=Q(status="invited")),
            attended=Count("id", filter=Q(status="attended")),
            absent=Count("id", filter=Q(status="absent")),
            excused=Count("id", filter=Q(status="excused")),
        )
    )
    return [AttendanceRollup(**values) for values in grouped]


def brochure_facts_sync() -> None:
    """Copy the daily brochure counters; a copied count only ever goes up."""
    fact = _table(BrochureCountFact)
    sql = f"""
        INSERT INTO {fact} (source_id, day, channel, count)
        SELECT c.id, c.day, c.channel, c.count FROM {_table(BrochureDailyCount)} c WHERE c.id > 0
        ON CONFLICT (source_id) DO UPDATE SET count = excluded.count
        WHERE excluded.count > {fact}.count
    """  # noqa: S608 - table names come from model metadata; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _brochure_rows() -> list[BrochureRollup]:
    grouped = (
        BrochureCountFact.objects.annotate(year=ExtractYear("day"))
        .order_by()
        .values("year")
        .annotate(
            downloads=Sum("count", filter=Q(channel=Channel.PDF)),
            online_views=Sum("count", filter=Q(channel=Channel.ONLINE)),
        )
    )
    return [
        BrochureRollup(year=row["year"], downloads=row["downloads"] or 0, online_views=row["online_views"] or 0)
        for row in grouped
    ]


def rollups_refresh() -> RefreshState:
    """Bring facts up to date and rebuild every rollup in one transaction.

    Readers keep seeing the previous rollups until the transaction commits. Concurrent refreshes
    queue behind the lock on the single ``RefreshState`` row. Idempotent.
    """
    started = time.monotonic()
    now = datetime.now(tz=UTC)
    RefreshState.objects.get_or_create(pk=1, defaults={"refreshed_at": now})
    with transaction.atomic():
        state = RefreshState.objects.select_for_update().get(pk=1)
        missions_sync()
        registration_facts_sync(now=now)
        attendance_facts_sync(now=now)
        brochure_facts_sync()
        uptake = _uptake_rows()
        attendance = _attendance_rows()
        brochures = _brochure_rows()
        UptakeRollup.objects.all().delete()
        AttendanceRollup.objects.all().delete()
        BrochureRollup.objects.all().delete()
        UptakeRollup.objects.bulk_create(uptake, batch_size=5000)
        AttendanceRollup.objects.bulk_create(attendance, batch_size=5000)
        BrochureRollup.objects.bulk_create(brochures, batch_size=1000)
        state.refreshed_at = now
        state.duration_ms = int((time.monotonic() - started) * 1000)
        state.facts = RegistrationFact.objects.count()
        state.save()
    if connection.vendor == "postgresql":
        # Fresh planner statistics for the rebuilt tables (small: tens of thousands of rows at most).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_table(UptakeRollup)}, {_table(AttendanceRollup)}")
    logger.info(
        "Dashboard rollups refreshed: %d facts, %d rollup rows, %d ms", state.facts, len(uptake), state.duration_ms
    )
    return state
