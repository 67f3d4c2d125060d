"""What one pytest-xdist process (`make test` with services) has to itself, beside its test database.

pytest-django gives each process its own test database (``test_<name>_gwN``); tests/settings.py
gives it its own default Celery queue and media folder; this module names its Redis scratch database.
"""

import os


def xdist_worker_number() -> int:
    """Which pytest-xdist process this is: 0 for gw0 (and without xdist), 1 for gw1, ..."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def redis_scratch_url(broker_url: str) -> str:
    """A database on the broker's Redis server that this test process alone may flush.

    Database 14 for the first (or only) process, 13 for the second, and so on: parallel processes
    never flush each other's keys, nor the broker's database.
    """
    return broker_url.rsplit("/", 1)[0] + f"/{14 - xdist_worker_number()}"
