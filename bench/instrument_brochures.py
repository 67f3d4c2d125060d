"""Batch render of every instrument's IMVO brochure, NL and EN, by ONE worker process.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../n CELERY_BROKER_URL=$REDIS_URL CELERY_QUEUE=q \
        python bench/instrument_brochures.py [--fresh]

Against an existing database with the demo instruments (``seed_demo``): starts
``celery worker -c 1`` on ``CELERY_QUEUE``, runs ``manage.py render_instrument_brochures --wait``
(which publishes changed brochures and waits until every rendition is done or failed) and samples
the worker's processes' resident memory every 0.5 s. ``--fresh`` first removes the instrument
brochures' renditions, so every PDF is made in this run. Prints the wall time, the count of
renditions done and failed, and the peak RSS of the pool process and of the whole worker.
Target: 210+ instruments × 2 languages within 10 minutes.
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.fresh:
        subprocess.run(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                "from brochures.models import Rendition; from brochures.constants import BrochureKind;"
                "print(Rendition.objects.filter(version__brochure__kind=BrochureKind.INSTRUMENT).delete())",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "imvo_portal",
            "worker",
            "-c",
            "1",
            "-Q",
            env["CELERY_QUEUE"],
            "-n",
            f"bench-{os.getpid()}@localhost",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    peak = {"pool": 0, "total": 0, "cpu": {}}
    stop = threading.Event()

    def sample():
        while not stop.wait(0.5):
            pool = children(worker.pid)
            pool_rss = max((rss_kb(p) for p in pool), default=0)
            peak["pool"] = max(peak["pool"], pool_rss)
            peak["total"] = max(peak["total"], rss_kb(worker.pid) + sum(rss_kb(p) for p in pool))
            for p in pool:
                peak["cpu"][p] = max(peak["cpu"].get(p, 0.0), cpu_seconds(p))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    time.sleep(5)  # the worker connects to the broker
    started = time.monotonic()
    try:
        result = subprocess.run(
            [PYTHON, "manage.py", "render_instrument_brochures", "--wait", "--timeout", "1500"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        elapsed = time.monotonic() - started
        stop.set()
        worker.terminate()
        worker.wait(timeout=60)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr[-2000:])
    print(
        f"wall time {elapsed:.0f} s; peak RSS pool process {peak['pool'] / 1024:.0f} MB, "
        f"whole worker {peak['total'] / 1024:.0f} MB; CPU time of the pool process(es) "
        f"{sum(peak['cpu'].values()):.0f} s; load average at the end {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
