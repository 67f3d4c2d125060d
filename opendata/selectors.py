"""Reads of the open data: published dashboard releases only (``dashboard.releases``).

A ``DashboardRelease`` is what the disclosure control let out of the portal: every cell got the
release's noise and threshold (``dashboard.release_method``). Nothing here reads the true rollups.
"""

from django.db.models import Max, Min, QuerySet
from django.shortcuts import get_object_or_404

from dashboard.models import DashboardRelease, MissionDimension, ReleasedUptakeRollup
from dashboard.releases import release_instrument_figures, release_latest
from instruments.models import Instrument

UPTAKE_KEY = ("year", "country", "mission_id", "sector", "kind", "size_class")
UPTAKE_MEASURES = (
    "registrations",
    "organisations",
    "organisations_endorsed",
    "declarations_endorsed",
    "declarations_not_endorsed",
    "declarations_pending",
)


def releases_published() -> QuerySet[DashboardRelease]:
    """Every release, newest first, without its cells and salt."""
    return DashboardRelease.objects.order_by("-number").only("number", "period", "published_at", "method", "parameters")


def release_get(*, number: int) -> DashboardRelease:
    return get_object_or_404(
        DashboardRelease.objects.only("number", "period", "published_at", "method", "parameters", "figures"),
        number=number,
    )


def release_newest() -> DashboardRelease | None:
    return release_latest()


def release_uptake_rows(release: DashboardRelease) -> list[dict]:
    """The released uptake cells of a release, in a stable order (one query)."""
    return list(
        ReleasedUptakeRollup.objects.filter(release=release).order_by(*UPTAKE_KEY).values(*UPTAKE_KEY, *UPTAKE_MEASURES)
    )


def release_instrument_rows(release: DashboardRelease) -> tuple[list[dict], int]:
    """(per public instrument: id, slug, organisations that endorsed / did not; organisations that
    endorsed any instrument) of a release."""
    per_instrument, endorsed_any = release_instrument_figures(release)
    slugs = dict(Instrument.objects.filter(pk__in=per_instrument).values_list("pk", "slug"))
    rows = [
        {
            "instrument_id": pk,
            "slug": slugs.get(pk, ""),
            "endorsed": v.get("endorsed", 0),
            "declined": v.get("declined", 0),
        }
        for pk, v in sorted(per_instrument.items())
    ]
    return rows, endorsed_any


def missions_of(rows: list[dict]) -> list[MissionDimension]:
    """The (public, non-draft) missions the cells name."""
    ids = {row["mission_id"] for row in rows if row["mission_id"]}
    return list(MissionDimension.objects.filter(mission_id__in=ids).order_by("mission_id"))


def release_year_spans(releases: list[DashboardRelease]) -> dict[int, tuple[int, int]]:
    """{release pk: (first year, last year) its cells cover} in one query."""
    spans = (
        ReleasedUptakeRollup.objects.filter(release__in=releases, year__gt=0)
        .order_by()
        .values("release_id")
        .annotate(first=Min("year"), last=Max("year"))
    )
    return {row["release_id"]: (row["first"], row["last"]) for row in spans}
