"""Demo data for the dashboard: bring the rollups up to date with what the other seeders created (runs last),
and publish a first release of the ministry's figures when there is none.

Incremental (the outbox of changes), so it costs the same on an empty database and on one with a
million declarations.
"""

from .releases import release_latest, release_publish
from .services import rollups_refresh


def seed(*, companies: int, password: str, log) -> None:
    state = rollups_refresh()
    log(f"Dashboard rollups up to date: {state.facts} registrations.")
    if release_latest() is None:
        # The ministry sees releases only: without a first one the demo page would be empty.
        release = release_publish(reason="seed_demo")
        log(f"Dashboard release {release.number} ({release.period}) published.")
