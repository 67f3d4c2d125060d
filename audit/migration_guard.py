"""Migrations cannot destroy evidence: no migration of an evidence app is unapplied while evidence exists.

The evidence apps (``audit``, ``declarations``) hold append-only, hash-chained tables. Unapplying
one of their migrations drops or rewrites columns of those tables, and migrating forward again
leaves records whose hash no longer matches. So, once any evidence exists:

- ``manage.py migrate`` refuses a plan that would unapply any migration of an evidence app,
  before it unapplies anything (``evidence_rollback_guard``, a ``pre_migrate`` receiver). This
  covers the indirect case too: going back in ``missions``, ``instruments`` or ``organisations``
  past a migration that ``declarations`` depends on would unapply declarations migrations.
- The latest migration of each evidence app starts with ``EVIDENCE_GUARD`` (a ``RunPython`` whose
  reverse refuses), so code that drives the migration executor directly is refused by the first
  operation that would go back. Every new migration of an evidence app starts with it as well
  (``declarations/tests/test_migration_guard.py`` checks).

An empty database (a fresh installation, a test database) has nothing to lose and may go back.
The way back for an installation with evidence is a restore from backup, or a forward migration.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.management.base import CommandError
from django.db import connections, migrations
from django.db.migrations.exceptions import IrreversibleError

EVIDENCE_APPS = ("audit", "declarations")
#: The tables whose rows are the evidence: any row in one of them makes a rollback destructive.
EVIDENCE_TABLES = ("declarations_declaration", "declarations_checkpoint", "audit_auditevent")


_rollback_allowed: ContextVar[bool] = ContextVar("evidence_rollback_allowed", default=False)


@contextmanager
def evidence_rollback_allowed() -> Iterator[None]:
    """Lift the guard in this context: only for tests of data migrations, on throw-away data.

    (Someone with the owner role can change anything anyway; the guard is against the operator's
    mistake, and this is no switch an operator can reach: there is no setting or option for it.)
    """
    token = _rollback_allowed.set(True)
    try:
        yield
    finally:
        _rollback_allowed.reset(token)


class EvidenceRollbackRefused(IrreversibleError):
    """A migration of an evidence app would be unapplied while evidence exists."""


def evidence_tables_with_rows(connection) -> list[str]:
    """The evidence tables of ``connection`` that hold at least one row."""
    if _rollback_allowed.get():
        return []
    existing = set(connection.introspection.table_names())
    found = []
    with connection.cursor() as cursor:
        for table in EVIDENCE_TABLES:
            if table in existing:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone():
                    found.append(table)
    return found


def refusal_message(migrations_back: list[str], tables: list[str]) -> str:
    named = ", ".join(migrations_back[:3]) + (
        f" and {len(migrations_back) - 3} more" if len(migrations_back) > 3 else ""
    )
    return (
        f"Refused: this would unapply {len(migrations_back)} evidence migration(s) ({named}) while the "
        f"evidence tables hold records ({', '.join(tables)}). Unapplying them drops or rewrites columns of "
        "the append-only declaration and audit tables, after which records no longer verify. Roll back by "
        "restoring a backup (docs/operations.md) or fix forward with a new migration."
    )


def refuse_reverse(apps, schema_editor) -> None:
    """The reverse of ``EVIDENCE_GUARD``: refuse while evidence exists (nothing is unapplied)."""
    tables = evidence_tables_with_rows(schema_editor.connection)
    if tables:
        raise EvidenceRollbackRefused(refusal_message(["this migration"], tables))


#: First operation of every new migration of an evidence app.
EVIDENCE_GUARD = migrations.RunPython(migrations.RunPython.noop, refuse_reverse, elidable=False)


def evidence_migrations_unapplied_by(plan) -> list[str]:
    """The evidence-app migrations a migrate ``plan`` ((migration, backwards), ...) would unapply."""
    return [f"{m.app_label}.{m.name}" for m, backwards in plan or () if backwards and m.app_label in EVIDENCE_APPS]


def evidence_rollback_guard(sender, *, plan=None, using="default", **kwargs) -> None:
    """``pre_migrate``: refuse, before anything runs, a plan that unapplies evidence migrations."""
    back = evidence_migrations_unapplied_by(plan)
    if not back:
        return
    tables = evidence_tables_with_rows(connections[using])
    if tables:
        raise CommandError(refusal_message(back, tables))
