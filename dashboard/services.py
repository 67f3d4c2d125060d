"""Writes of the dashboard: keep the non-personal facts current and rebuild the rollups from them."""

import logging
import time
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import ExtractYear

from brochures.constants import Channel
from brochures.models import BrochureDailyCount
from declarations.constants import Decision
from declarations.models import Declaration
from missions.constants import RegistrationStatus
from missions.models import Attendance, Mission, Participant, PreparationSession, Registration
from organisations.models import Organisation

from . import deltas, profiles
from .constants import CATEGORY, SCOPES
from .models import (
    AttendanceFact,
    AttendanceRollup,
    BrochureCountFact,
    BrochureRollup,
    FactChange,
    MissionDimension,
    PublishedUptakeRollup,
    RefreshState,
    RegistrationFact,
    UptakeOrganisation,
    UptakeProfile,
    UptakeRollup,
)

logger = logging.getLogger(__name__)

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


def _id_chunks(ids: list[int] | None, size: int = 500):
    """``(sql, params)`` restrictions to ``column IN ids`` in chunks; one unrestricted pass for None."""
    if ids is None:
        yield "", []
        return
    ids = sorted(ids)
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        yield f" AND {{column}} IN ({', '.join(['%s'] * len(chunk))})", chunk


def registration_facts_sync(*, now: datetime, ids: list[int] | None = None) -> None:
    """Upsert one fact per submitted registration (all, or those in ``ids``), one statement per chunk.

    A recorded decision is kept when the live row no longer has one (records erased or deleted);
    rows that did not change are not rewritten.
    """
    for restriction, params in _id_chunks(ids):
        _registration_facts_upsert(now=now, restriction=restriction.format(column="r.id"), params=params)


def _registration_facts_upsert(*, now: datetime, restriction: str, params: list) -> None:
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
        WHERE r.status <> %s{restriction}
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
        cursor.execute(sql, [now, now, RegistrationStatus.DRAFT, *params])


def attendance_facts_sync(*, now: datetime, ids: list[int] | None = None) -> None:
    """Upsert one fact per attendance record, all or those in ``ids`` (kept when the participant is erased)."""
    for restriction, params in _id_chunks(ids):
        _attendance_facts_upsert(now=now, restriction=restriction.format(column="a.id"), params=params)


def _attendance_facts_upsert(*, now: datetime, restriction: str, params: list) -> None:
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
        WHERE a.id > 0{restriction}
        ON CONFLICT (attendance_id) DO UPDATE SET
            status = excluded.status, sector = excluded.sector, kind = excluded.kind,
            size_class = excluded.size_class, updated_at = excluded.updated_at
        WHERE {fact}.status <> excluded.status OR {fact}.sector <> excluded.sector
           OR {fact}.kind <> excluded.kind OR {fact}.size_class <> excluded.size_class
    """  # noqa: S608 - table names come from model metadata; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *params])


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
    rows = [AttendanceRollup(**values) for values in grouped]
    for row in rows:
        deltas.attendance_publish(row)
    return rows


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


def _uptake_organisation_rows_insert() -> None:
    """Rebuild ``UptakeOrganisation`` from the facts, one ``INSERT … SELECT`` per scope above a mission."""
    UptakeOrganisation.objects.all().delete()
    target = _table(UptakeOrganisation)
    endorsed = Decision.ENDORSED
    with connection.cursor() as cursor:
        for dimensions, fixed in SCOPES[1:]:
            columns = [*dimensions, *fixed]
            selected = [*dimensions, *(f"%s AS {name}" for name in fixed)]
            cursor.execute(
                f"""
                INSERT INTO {target} ({", ".join(columns)}, sector, kind, size_class, organisation_id,
                                      registrations, endorsed)
                SELECT {", ".join(selected)}, sector, kind, size_class, organisation_id, COUNT(*),
                       SUM(CASE WHEN decision = %s THEN 1 ELSE 0 END)
                FROM {_table(RegistrationFact)}
                GROUP BY {", ".join([*dimensions, "sector", "kind", "size_class", "organisation_id"])}
                """,  # noqa: S608 - names from model metadata and constants; values are parameters
                [*fixed.values(), endorsed],
            )


def _refresh_state_locked(now: datetime) -> RefreshState:
    RefreshState.objects.get_or_create(pk=1, defaults={"refreshed_at": now})
    return RefreshState.objects.select_for_update().get(pk=1)


def _finish(state: RefreshState, *, now: datetime, started: float, changes: int) -> RefreshState:
    state.refreshed_at = now
    state.duration_ms = int((time.monotonic() - started) * 1000)
    state.changes = changes
    state.facts = RegistrationFact.objects.count()
    state.save()
    return state


def rollups_rebuild() -> RefreshState:
    """Repair: bring every fact up to date and rebuild every rollup from all facts, in one transaction.

    Readers keep seeing the previous rollups until it commits; a refresh running meanwhile queues
    behind the lock on the single ``RefreshState`` row. Empties the outbox of changes it covered.
    Gives the same rollups as the incremental refresh (tested). Seconds at a million facts.
    """
    started = time.monotonic()
    now = datetime.now(tz=UTC)
    with transaction.atomic():
        state = _refresh_state_locked(now)
        last_change = FactChange.objects.aggregate(last=Max("id"))["last"] or 0
        missions_sync()
        registration_facts_sync(now=now)
        attendance_facts_sync(now=now)
        brochure_facts_sync()
        rollups = rollups_from_facts()
        FactChange.objects.filter(id__lte=last_change).delete()
        state.rebuilt_at = now
        state = _finish(state, now=now, started=started, changes=0)
    if connection.vendor == "postgresql":
        # Fresh planner statistics for the rebuilt tables.
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {_table(UptakeRollup)}, {_table(AttendanceRollup)}, {_table(UptakeOrganisation)}, "
                f"{_table(RegistrationFact)}, {_table(AttendanceFact)}, {_table(PublishedUptakeRollup)}, "
                f"{_table(UptakeProfile)}"
            )
    logger.info("Dashboard rollups rebuilt: %d facts, %d rollup rows, %d ms", state.facts, rollups, state.duration_ms)
    return state


def rollups_from_facts() -> int:
    """Every rollup, true and published, computed again from the facts as they are; returns the
    number of uptake rollup rows. Part of ``rollups_rebuild``; on its own only for tests that
    build facts directly (the pseudo data set of ``dashboard.disclosure``)."""
    uptake = _uptake_rows()
    attendance = _attendance_rows()
    UptakeRollup.objects.all().delete()
    AttendanceRollup.objects.all().delete()
    UptakeRollup.objects.bulk_create(uptake, batch_size=5000)
    AttendanceRollup.objects.bulk_create(attendance, batch_size=5000)
    _uptake_organisation_rows_insert()
    profiles.profiles_rebuild()
    _brochure_rollups_replace()
    return len(uptake)


def _brochure_rollups_replace() -> None:
    """Brochure counters are a few rows a day: copied and summed again in full on every refresh."""
    brochures = _brochure_rows()
    BrochureRollup.objects.all().delete()
    BrochureRollup.objects.bulk_create(brochures, batch_size=1000)


def rollups_refresh() -> RefreshState:
    """Bring facts and rollups up to date with what changed since the last refresh (the outbox).

    Work grows with the number of changed rows, not with history: the facts of the changed
    registrations and attendance records are upserted, and their old and new values are taken
    out of and added to the rollups (``dashboard.deltas``). The first refresh of an empty
    dashboard is a full rebuild. Idempotent; concurrent refreshes queue behind the state row lock.
    """
    started = time.monotonic()
    now = datetime.now(tz=UTC)
    with transaction.atomic():
        state = _refresh_state_locked(now)
        if state.rebuilt_at is None:
            return rollups_rebuild()
        changes = list(FactChange.objects.order_by("id").values_list("id", "kind", "key"))
        if not changes:
            _brochure_facts_and_rollups()
            return _finish(state, now=now, started=started, changes=0)
        keys = {"r": set(), "o": set(), "m": set(), "a": set()}
        for _id, kind, key in changes:
            keys.setdefault(kind, set()).add(key)
        if keys["m"]:
            missions_sync()
        registration_ids, attendance_ids = deltas.affected_ids(keys)
        before = deltas.registration_facts(registration_ids)
        registration_facts_sync(now=now, ids=list(registration_ids))
        after = deltas.registration_facts(registration_ids)
        deltas.uptake_apply(before, after)
        profiles.profiles_apply(before, after)
        before = deltas.attendance_facts(attendance_ids)
        attendance_facts_sync(now=now, ids=list(attendance_ids))
        after = deltas.attendance_facts(attendance_ids)
        deltas.attendance_apply(before, after)
        _brochure_facts_and_rollups()
        FactChange.objects.filter(id__lte=changes[-1][0]).delete()
        state = _finish(state, now=now, started=started, changes=len(changes))
    logger.info("Dashboard rollups refreshed: %d changes, %d ms", state.changes, state.duration_ms)
    return state


def _brochure_facts_and_rollups() -> None:
    brochure_facts_sync()
    _brochure_rollups_replace()


def rollups_refresh_if_stale(*, max_age_seconds: int) -> RefreshState | None:
    """Refresh when the figures are older than ``max_age_seconds`` (for deployments without beat).

    Returns None when the figures were fresh. Cheap when nothing changed (a few queries); a
    concurrent reader waits for the refresh under way and then finds nothing left to do.
    """
    state = RefreshState.objects.filter(pk=1).first()
    if state is not None and (datetime.now(tz=UTC) - state.refreshed_at).total_seconds() < max_age_seconds:
        return None
    return rollups_refresh()
