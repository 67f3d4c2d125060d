"""Accuracy of the dashboard's releases (``dashboard/release_method.py``) against the true figures.

For the headline figures (registrations, organisations, declarations endorsed / not endorsed /
pending, large companies and those that endorsed, and the share of large companies that endorsed)
of every selection by year and of all years, the absolute error of ``--releases`` releases (new
noise each) against the exact figures of the true rollups (so the error includes the contribution
bound's clipping). Prints the median and 95th percentile per figure; ``bench/run.py`` (``make
bench``) prints the same on the bench database.

    DATABASE_URL=postgres://... python bench/release_accuracy.py [--releases 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = (
    "registrations",
    "organisations",
    "declarations_endorsed",
    "declarations_not_endorsed",
    "declarations_pending",
    "large_organisations",
    "large_organisations_endorsed",
)


def _headline(rows) -> dict[int, dict[str, float]]:
    """Per year (0: all years): the headline sums of (year, "", 0) scope rows."""
    out: dict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for key, values in rows:
        year, country, mission, _sector, _kind, size = key
        if country or mission:
            continue
        target = out[year]
        for name in ("registrations", "organisations", "declarations_endorsed", "declarations_not_endorsed"):
            target[name] += values[name]
        target["declarations_pending"] += values["declarations_pending"]
        if size == "large":
            target["large_organisations"] += values["organisations"]
            target["large_organisations_endorsed"] += values["organisations_endorsed"]
    for target in out.values():
        large = target["large_organisations"]
        target["large_share_percent"] = 100 * target["large_organisations_endorsed"] / large if large else 0.0
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def release_accuracy(releases: int = 5) -> dict:
    """Median and p95 absolute error per headline figure, and the seconds one release takes."""
    from dashboard import release_method as method
    from dashboard.constants import ROLLUP_KEY
    from dashboard.models import UptakeRollup
    from dashboard.releases import release_compute, true_data
    from dashboard.services import rollups_refresh

    rollups_refresh()
    started = time.monotonic()
    data = true_data()
    read_seconds = time.monotonic() - started
    params = method.parameters()
    measures = ("registrations", *method.CELL_MEASURES)
    truth_rows = [
        (tuple(row[: len(ROLLUP_KEY)]), dict(zip(measures, row[len(ROLLUP_KEY) :], strict=True)))
        for row in UptakeRollup.objects.filter(mission_id=0, country="").values_list(*ROLLUP_KEY, *measures)
    ]
    truth = _headline(truth_rows)
    errors: dict[str, list[float]] = defaultdict(list)
    errors_all: dict[str, list[float]] = defaultdict(list)
    compute_seconds = []
    for number in range(10**6, 10**6 + releases):  # numbers no stored release uses
        started = time.monotonic()
        uptake, _instruments = release_compute(data, number, params)
        compute_seconds.append(time.monotonic() - started)
        released = _headline(uptake.items())
        for year, figures in truth.items():
            for name, value in figures.items():
                error = abs(released.get(year, {}).get(name, 0) - value)
                (errors_all if year == 0 else errors)[name].append(error)
    return {
        "params": params,
        "organisations": data.organisations,
        "cells": len(data.scopes) * len(method.CATEGORIES),
        "selections": len(truth),
        "truth_all_years": dict(truth.get(0, {})),
        "errors": {name: (statistics.median(v), percentile(v, 0.95)) for name, v in errors.items()},
        "errors_all": {name: (statistics.median(v), percentile(v, 0.95)) for name, v in errors_all.items()},
        "seconds": read_seconds + statistics.median(compute_seconds),
    }


def report(result: dict) -> str:
    p = result["params"]
    lines = [
        f"Release accuracy ({p.method}, {p.cadence}, rho/year {p.rho_per_year}, rho/release {p.rho_per_release:.4f}, "
        f"K {p.max_registrations}, sigma {p.sigma:.1f}, threshold {p.threshold}): {result['organisations']:,} "
        f"organisations, {result['cells']:,} cells x 5 measures, {result['selections']} selections (years + all), "
        f"one release computed in {result['seconds']:.1f} s",
        f"  {'figure':30} {'true (all years)':>16} {'all years: median':>18} {'p95':>10}"
        f" {'per year: median':>17} {'p95':>10}  |error|",
    ]
    for name, (median, p95) in result["errors"].items():
        true = result["truth_all_years"].get(name, 0)
        all_median, all_p95 = result["errors_all"][name]
        lines.append(f"  {name:30} {true:16,.1f} {all_median:18,.1f} {all_p95:10,.1f} {median:17,.1f} {p95:10,.1f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imvo_portal.settings")
    import django

    django.setup()
    print(report(release_accuracy(args.releases)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
