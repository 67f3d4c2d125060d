"""Demo data for the dashboard: bring the rollups up to date with what the other seeders created (runs last).

Incremental (the outbox of changes), so it costs the same on an empty database and on one with a
million declarations.
"""

from .services import rollups_refresh


def seed(*, companies: int, password: str, log) -> None:
    state = rollups_refresh()
    log(f"Dashboard rollups up to date: {state.facts} registrations.")
