"""Benchmark of /dashboard/ (with and without filters) and /healthz in the same run.

    python bench/dashboard.py                         # quick: a temporary SQLite database, 20 000 declarations
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/imvo_bench \\
        python bench/dashboard.py --organisations 50000 --declarations 1000000 --requests 200

Requests go through Django's test client (the whole middleware stack, logged in as a ministry
user) against the database in DATABASE_URL. When that database holds fewer declarations than
--declarations, ``generate_volume`` tops it up first (a million take a few minutes on
PostgreSQL) and builds the rollups. Leave CELERY_BROKER_URL/REDIS_URL unset (eager mode), or
run a worker, since /healthz pings the broker and the worker.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--declarations", type=int, default=20_000, help="Minimum declarations in the database.")
    parser.add_argument("--organisations", type=int, default=0, help="For generation; default declarations/20.")
    parser.add_argument("--requests", type=int, default=60, help="Timed requests per URL.")
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.gettempdir()) / "imvo-bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        print(f"DATABASE_URL not set: using a temporary SQLite database ({path.name}).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imvo_portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    settings.DEBUG = False  # no query logging while timing
    call_command("migrate", verbosity=0)

    from accounts.constants import MINISTRY_GROUP
    from accounts.models import User
    from accounts.services import user_add_to_group
    from dashboard.models import MissionDimension, RefreshState, RegistrationFact
    from declarations.models import Declaration
    from tests.mfa import login_staff

    have = Declaration.objects.count()
    if have < args.declarations:
        missing = args.declarations - have
        organisations = args.organisations or max(1000, missing // 20)
        print(f"Generating {missing} declarations for {organisations} organisations ...")
        call_command("generate_volume", organisations=organisations, declarations=missing)
    elif not RefreshState.objects.exists():
        from dashboard.services import rollups_refresh

        rollups_refresh()

    user, _ = User.objects.get_or_create(email="bench-ministerie@bench.invalid", defaults={"full_name": "Bench"})
    user_add_to_group(user=user, group_name=MINISTRY_GROUP)
    client = Client()
    login_staff(client, user)

    latest = MissionDimension.objects.order_by("-starts_on").first()
    year = latest.year - 1 if latest else 2024
    variants = {
        "/dashboard/": "/dashboard/",
        "/dashboard/?year": f"/dashboard/?year={year}",
        "/dashboard/?year&sector&size": f"/dashboard/?year={year}&sector=C&size=large",
        "/dashboard/?mission": f"/dashboard/?mission={latest.mission_id if latest else 0}",
        "/dashboard/export.csv?year": f"/dashboard/export.csv?year={year}",
        "/healthz": "/healthz",
    }
    # The page body is cached per rollup refresh and selection; also time it with the cache off.
    for name, url in list(variants.items()):
        if name.startswith("/dashboard/") and "export" not in name:
            variants[f"{name} (uncached)"] = url
    results: dict[str, list[float]] = {name: [] for name in variants}
    for url in variants.values():
        for _ in range(args.warmup):
            assert client.get(url).status_code == 200, url
    # Interleave the URLs so every one sees the same machine conditions.
    for _ in range(args.requests):
        for name, url in variants.items():
            settings.DASHBOARD_CACHE_SECONDS = 0 if name.endswith("(uncached)") else 15 * 60
            started = time.perf_counter()
            response = client.get(url)
            results[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)

    print(
        f"\n{connection.vendor}: {Declaration.objects.count():,} declarations, "
        f"{RegistrationFact.objects.count():,} registration facts; {args.requests} requests per URL\n"
    )
    print(f"{'URL':45} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, samples in results.items():
        print(f"{name:45} {statistics.median(samples):8.1f} {percentile(samples, 95):8.1f} {max(samples):8.1f}")
    health = percentile(results["/healthz"], 95)
    for uncached in (False, True):
        suffix = " (uncached)" if uncached else ""
        filtered = [
            sample
            for name, samples in results.items()
            if name.startswith("/dashboard/?") and name.endswith("(uncached)") == uncached
            for sample in samples
        ]
        unfiltered, with_filters = percentile(results[f"/dashboard/{suffix}"], 95), percentile(filtered, 95)
        print(
            f"dashboard{suffix or ' (cached)'} p95 without filters {unfiltered:.1f} ms, with filters "
            f"{with_filters:.1f} ms; healthz p95 {health:.1f} ms; ratio {max(unfiltered, with_filters) / health:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
