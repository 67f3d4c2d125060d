"""Demo data for the dashboard: compute the rollups from whatever the other seeders created (runs last)."""

from .services import rollups_refresh


def seed(*, companies: int, password: str, log) -> None:
    state = rollups_refresh()
    log(f"Dashboard rollups refreshed from {state.facts} registrations.")
