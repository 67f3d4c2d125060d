"""What the audit trail's keyed chain costs: per write, and for the legacy anchor at scale.

Run against PostgreSQL with production-like settings (``DATABASE_URL`` to a scratch database that
has been migrated):

    python bench/audit_chain.py [--writes 1000] [--legacy 0]

- ``--writes N``: N transactions that each append one audit event with a personal part through
  ``audit_event_record`` (advisory lock, head lookup, two HMACs), interleaved with N transactions
  that insert the same event and personal part as before the chain existed (the baseline).
  Prints the median and 95th percentile of both, in the same run.
- ``--legacy N``: first inserts N events without a sequence (as written before the chain) with SQL,
  then times ``audit.chain.legacy_digest`` (the one set-based statement of the anchoring migration
  and of verification). Leaves those rows: use a scratch database.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imvo_portal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from audit.chain import legacy_digest  # noqa: E402
from audit.models import AuditEvent, AuditEventPersonal  # noqa: E402
from audit.services import audit_event_record  # noqa: E402


def _timed(function, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return sorted(times)


def _summary(name: str, times: list[float]) -> str:
    p95 = times[int(len(times) * 0.95)]
    return f"{name}: median {statistics.median(times) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms ({len(times)} writes)"


def writes(n: int) -> None:
    user_model = get_user_model()
    user = user_model.objects.filter(email="bench-audit@example.org").first()
    if user is None:
        user = user_model.objects.create_user(email="bench-audit@example.org", password=None)

    def chained():
        with transaction.atomic():
            audit_event_record(action="auth.login", actor=user, ip_address="192.0.2.1", details={"n": 1})

    def plain():
        with transaction.atomic():
            event = AuditEvent(actor=user, actor_label=f"user#{user.pk}", action="auth.login", details={"n": 1})
            event.save(force_insert=True)
            AuditEventPersonal.objects.create(event=event, actor_email=user.email, ip_address="192.0.2.1")

    rounds = 4
    results = {"baseline (insert as before the chain)": [], "chained (audit_event_record)": []}
    for _ in range(rounds):  # interleaved, so load on the machine hits both alike
        results["baseline (insert as before the chain)"] += _timed(plain, n // rounds)
        results["chained (audit_event_record)"] += _timed(chained, n // rounds)
    for name, times in results.items():
        print(_summary(name, sorted(times)))


def legacy(n: int) -> None:
    if n:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute(
                "INSERT INTO audit_auditevent (actor_label, action, object_type, object_id, organisation_id, "
                "created_at, details) SELECT 'user#' || (g % 1000), 'registration.submit', 'missions.registration', "
                "g::text, g % 500, now() - g * interval '1 second', jsonb_build_object('n', g) "
                "FROM generate_series(1, %s) g",
                [n],
            )
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    started = time.perf_counter()
    count, _digest = legacy_digest()
    print(f"legacy digest over {count} events: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--legacy", type=int, default=0)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL).")
    if args.writes:
        writes(args.writes)
    legacy(args.legacy)
