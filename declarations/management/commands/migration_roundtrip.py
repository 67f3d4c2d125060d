"""``manage.py migration_roundtrip --scratch``: every app one migration back and forward again.

For each app of the project: migrate it one step back (to its latest migration's parent, or zero),
then forward to the latest again, and run ``verify_declarations``; or see that the step back is
refused (evidence apps while evidence exists, ``audit/migration_guard.py``; an irreversible
migration) with a message. Fails (exit 1) when a round trip breaks the evidence, a step back
fails in another way, or a refusal comes without a message. CI runs it on a scratch database with
demo data (``.ci/run``).

Only on a scratch copy: a step back drops what the migration added (columns, tables) with its
data, and tables made again lose the portal role's privileges (run ``manage.py db_roles``).
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.loader import MigrationLoader

from declarations.verification import declarations_verify


def project_apps_with_migrations() -> list[str]:
    """The project's own apps that have migrations, in INSTALLED_APPS order."""
    base = Path(settings.BASE_DIR).resolve()
    loader = MigrationLoader(connections[DEFAULT_DB_ALIAS], ignore_no_migrations=True)
    return [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and loader.graph.leaf_nodes(config.label)
    ]


def step_back_target(app_label: str) -> str:
    """The migration one step before the app's latest (its parent in the same app), or ``zero``."""
    graph = MigrationLoader(connections[DEFAULT_DB_ALIAS]).graph
    leaf = graph.leaf_nodes(app_label)[0]
    parents = sorted(parent.key for parent in graph.node_map[leaf].parents if parent.key[0] == app_label)
    return parents[-1][1] if parents else "zero"


def _problems(result) -> str:
    return "; ".join(str(problem) for problem in result.problems[:3])


class Command(BaseCommand):
    help = (
        "On a scratch database: migrate every app one step back and forward again and verify the "
        "declaration evidence, or see the step back refused with a message. Exit 1 on any failure."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scratch", action="store_true", help="Confirm that the database is a scratch copy (required)."
        )
        parser.add_argument("--apps", nargs="*", help="Only these apps (default: every app of the project).")

    def handle(self, *args, scratch: bool = False, apps: list[str] | None = None, **options):
        if not scratch:
            raise CommandError(
                "A step back drops what a migration added, data included. Run this only on a scratch copy "
                "of the database, with --scratch."
            )
        self._migrate()  # start from the latest state
        baseline = declarations_verify()
        if not baseline.ok:
            raise CommandError(f"The evidence does not verify before the round trip: {_problems(baseline)}")
        failures = 0
        for app_label in apps or project_apps_with_migrations():
            outcome, detail, ok = self._round_trip(app_label)
            failures += not ok
            line = f"{app_label:<15} {outcome:<9} {detail}"
            self.stdout.write(self.style.SUCCESS(line) if ok else self.style.ERROR(line))
        if failures:
            raise CommandError(f"{failures} app(s) failed the migration round trip.")
        self.stdout.write(self.style.SUCCESS("Every app went one step back and forward, or was refused with a reason."))

    def _round_trip(self, app_label: str) -> tuple[str, str, bool]:
        target = step_back_target(app_label)
        try:
            self._migrate(app_label, target)
        except (CommandError, IrreversibleError) as refused:
            message = str(refused).strip()
            self._migrate()  # a refusal must have left nothing half done; make sure we are at the latest
            return "refused", message[:300], bool(message)
        except Exception as exc:  # noqa: BLE001 - reported, then the next app (from the latest state)
            self._migrate()
            return "error", f"back to {target}: {exc.__class__.__name__}: {exc}"[:300], False
        try:
            self._migrate()
        except Exception as exc:  # noqa: BLE001
            return "error", f"forward again: {exc.__class__.__name__}: {exc}"[:300], False
        result = declarations_verify()
        if not result.ok:
            return (
                "broken",
                f"back to {target} and forward: the evidence no longer verifies: {_problems(result)}",
                False,
            )
        return "ok", f"back to {target} and forward; verify_declarations passes", True

    @staticmethod
    def _migrate(*args: str) -> None:
        call_command("migrate", *args, verbosity=0, interactive=False)
