"""Publish and read the releases of the ministry's figures (method: ``dashboard.release_method``).

``release_publish`` computes one release from the registration facts and instrument declarations
(one transaction, with an audit event) and stores its cells; the ministry's page, CSV and instrument
page read the latest release only. Beat calls ``release_publish_if_due`` every hour: it publishes
once per period of ``DASHBOARD_RELEASE_CADENCE``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from audit.services import audit_event_record
from core.service_checks import internal
from declarations.constants import Decision
from declarations.models import Declaration
from instruments.models import Instrument, InstrumentApplication
from instruments.subjects import ApplicationSubject
from missions.constants import MissionStatus
from missions.models import Mission

from . import release_method as method
from .constants import ROLLUP_KEY
from .models import DashboardRelease, MissionDimension, RegistrationFact, ReleasedUptakeRollup
from .release_claims import release_claim, release_claims_not_in, release_number_highest_claimed
from .services import rollups_refresh

# Serialises publications (PostgreSQL advisory lock key).
RELEASE_LOCK = 0x1D5E_2E1E

FACT_FIELDS = (
    "organisation_id",
    "sector",
    "kind",
    "size_class",
    "mission_id",
    "year",
    "country",
    "decision",
    "registration_id",
)


def period_of(day: date, cadence: str) -> str:
    if cadence == "weekly":
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    if cadence == "quarterly":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def next_period_start(day: date, cadence: str) -> date:
    """The first day of the period after the one ``day`` is in (when the next release is due)."""
    if cadence == "weekly":
        return day + timedelta(days=7 - day.weekday())
    months = 3 if cadence == "quarterly" else 1
    first_month = ((day.month - 1) // months) * months + 1
    month = first_month + months
    return date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


@dataclass
class TrueData:
    """What a release is computed from: the clipped true cells and the public domain."""

    scopes: list[tuple]
    cells: dict
    instruments: list[int]
    instrument_cells: dict
    organisations: int


def instrument_declaration_pairs() -> list[tuple[int, int, str]]:
    """(organisation, instrument, decision) of every endorsed / not endorsed instrument declaration."""
    pairs = list(
        Declaration.objects.filter(
            subject_type=ApplicationSubject.key, decision__in=(Decision.ENDORSED, Decision.NOT_ENDORSED)
        )
        .order_by()
        .values_list("organisation_id", "subject_id", "decision")
        .distinct()
    )
    instrument_of = dict(
        InstrumentApplication.objects.filter(pk__in={application for _, application, _ in pairs}).values_list(
            "pk", "instrument_id"
        )
    )
    return [(organisation, instrument_of[application], decision) for organisation, application, decision in pairs]


def true_data() -> TrueData:
    drafts = Mission.objects.filter(status=MissionStatus.DRAFT).values("pk")
    missions = MissionDimension.objects.exclude(mission_id__in=drafts).values_list("mission_id", "year", "country")
    units = method.clipped_units(RegistrationFact.objects.order_by().values_list(*FACT_FIELDS).iterator(10000))
    clipped = method.clipped_instruments(instrument_declaration_pairs())
    return TrueData(
        scopes=method.domain_scopes(missions),
        cells=method.true_cells(units),
        instruments=list(Instrument.objects.order_by("pk").values_list("pk", flat=True)),
        instrument_cells=method.true_instrument_cells(clipped),
        organisations=len(units),
    )


def release_draw(release: DashboardRelease) -> str:
    """What a stored release's noise is keyed by (with the dashboard key): its number and salt."""
    return f"{release.number}.{release.figures['salt']}"


def release_compute(data: TrueData, number: int | str, params: method.Parameters) -> tuple[dict, dict]:
    """The released uptake cells and instrument cells of the release keyed by ``number`` (a stored
    release: ``release_draw``; pure, no database)."""
    uptake = method.released_uptake(data.scopes, data.cells, number, params)
    instruments = method.released_instruments(data.instruments, data.instrument_cells, number, params)
    return uptake, instruments


@internal("Published by beat, the operator's command or demo data; the named actor is only recorded.")
def release_publish(
    *, actor=None, now: datetime | None = None, reason: str = "command", only_if_due: bool = False
) -> DashboardRelease | None:
    """Publish a release now: compute it from the facts as of now, store its cells, record an audit event.

    One transaction, serialised with other publications (an advisory lock on PostgreSQL; the
    number is unique and one above the highest stored). With ``only_if_due`` nothing happens when
    the current period of the cadence already has a release (beat); otherwise an extra release is
    published, which spends its own budget (``release_budget_spent`` counts every release).
    """
    rollups_refresh()  # the facts as of now
    now = now or timezone.now()
    params = method.parameters()
    period = period_of(timezone.localdate(now), params.cadence)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RELEASE_LOCK])
        if only_if_due and _period_published(period):
            return None
        # Above the highest number ever claimed, not only the highest stored: after a restore of the
        # database, a number it forgot was public (release_claims), and its URL must not change.
        number = (
            max(DashboardRelease.objects.aggregate(n=Max("number"))["n"] or 0, release_number_highest_claimed()) + 1
        )
        while not release_claim(number=number, period=period, published_at=now, rho=params.rho_per_release):
            number += 1
        # The noise is keyed by number and a random salt: a number issued again (had a claim been
        # lost with the storage too) never repeats a release's noise, which would let the difference cancel it.
        salt = secrets.token_hex(16)
        data = true_data()
        uptake, instruments = release_compute(data, f"{number}.{salt}", params)
        release = DashboardRelease.objects.create(
            number=number,
            period=period,
            published_at=now,
            method=params.method,
            parameters=params.as_dict(),
            rho=params.rho_per_release,
            figures={"instruments": instruments, "salt": salt},
        )
        ReleasedUptakeRollup.objects.bulk_create(
            (
                ReleasedUptakeRollup(release=release, **dict(zip(ROLLUP_KEY, key, strict=True)), **values)
                for key, values in uptake.items()
            ),
            batch_size=5000,
        )
        audit_event_record(
            action="dashboard.release_published",
            actor=actor,
            obj=release,
            details={
                "number": number,
                "period": period,
                "method": params.method,
                "rho": params.rho_per_release,
                "cells": len(uptake),
                "reason": reason,
            },
        )
    return release


def _period_published(period: str) -> bool:
    """Whether a release of ``period`` was published: stored, or forgotten in a restore (whose
    budget is spent all the same: the cadence's one release per period stands)."""
    if DashboardRelease.objects.filter(period=period).exists():
        return True
    return any(claim["period"] == period for claim in releases_forgotten())


def release_publish_if_due(*, now: datetime | None = None) -> DashboardRelease | None:
    """Beat (hourly), or a read of the page without beat: publish the current period's release
    unless it has one (idempotent; one query when it has; a release a restore forgot counts)."""
    now = now or timezone.now()
    if _period_published(period_of(timezone.localdate(now), method.parameters().cadence)):
        return None
    return release_publish(now=now, reason="schedule", only_if_due=True)


def release_budget_spent(*, now: datetime | None = None) -> float:
    """The privacy budget (rho, zCDP) of the releases of the last 365 days: they add up. Releases a
    restore of the database forgot count too (``release_claims``): they were published."""
    since = (now or timezone.now()) - timedelta(days=365)
    stored = DashboardRelease.objects.filter(published_at__gt=since).aggregate(rho=Sum("rho"))["rho"] or 0.0
    fallback = method.parameters().rho_per_release  # a claim that could not be read
    return stored + sum(
        claim["rho"] or fallback
        for claim in releases_forgotten()
        if claim["published_at"] is None or claim["published_at"] > since
    )


def releases_forgotten() -> list[dict]:
    """Releases that were published but are no longer stored (a restore from an older backup)."""
    return release_claims_not_in(set(DashboardRelease.objects.values_list("number", flat=True)))


def release_latest() -> DashboardRelease | None:
    return DashboardRelease.objects.order_by("-number").first()


def next_release_on(release: DashboardRelease | None) -> date:
    cadence = (release.parameters.get("cadence") if release else None) or method.parameters().cadence
    day = timezone.localdate(release.published_at) if release else timezone.localdate()
    return next_period_start(day, cadence)


def release_instrument_figures(release: DashboardRelease) -> tuple[dict[int, dict], int]:
    """(per instrument {"endorsed", "declined"}, organisations that endorsed any) of a release."""
    cells = release.figures.get("instruments", {})
    per_instrument: dict[int, dict] = {}
    for label, value in cells.items():
        parts = label.split("|")
        if len(parts) == 3:
            per_instrument.setdefault(int(parts[1]), {"endorsed": 0, "declined": 0})[parts[2]] = value
    return per_instrument, cells.get("i|endorsed_any", 0)
