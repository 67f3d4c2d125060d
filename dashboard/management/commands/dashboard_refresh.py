"""Bring the dashboard's figures up to date: ``manage.py dashboard_refresh [--full]``."""

from django.core.management.base import BaseCommand

from dashboard.services import rollups_rebuild, rollups_refresh


class Command(BaseCommand):
    help = (
        "Apply the changes since the last refresh to the dashboard's facts and rollups (what beat runs "
        "every five minutes); with --full, rebuild every fact and rollup from the source tables (repair)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Rebuild everything instead of applying changes.")

    def handle(self, *args, full: bool, **options):
        state = rollups_rebuild() if full else rollups_refresh()
        what = "rebuilt" if full else f"refreshed ({state.changes} changes)"
        self.stdout.write(f"Dashboard {what}: {state.facts} registration facts in {state.duration_ms} ms.")
