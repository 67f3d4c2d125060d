"""SQLite's version of the database rule that keeps the audit trail append-only.

On PostgreSQL the rule is a migration (``audit/migrations/0002_append_only_triggers.py``). SQLite
drops a table's triggers whenever a migration rebuilds the table, so on SQLite the triggers are
(re)installed after every migrate, by a ``post_migrate`` handler.
"""

from django.db import connections

AUDIT_TABLE = "audit_auditevent"


def sqlite_append_only_triggers(table: str) -> list[str]:
    """Statements that make ``table`` refuse UPDATE and DELETE on SQLite."""
    statements = []
    for operation in ("UPDATE", "DELETE"):
        name = f"evidence_{table}_{operation.lower()}"
        statements.append(f"DROP TRIGGER IF EXISTS {name}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only evidence ({operation} refused)'); END"
        )
    return statements


def sqlite_triggers_install(*, using: str, tables: set[str], statements: list[str]) -> None:
    """Run ``statements`` on a SQLite database once all of ``tables`` exist (no-op elsewhere)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    if not tables <= set(connection.introspection.table_names()):
        return
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def audit_protect_sqlite(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate`` handler: the audit trail's append-only triggers on SQLite."""
    sqlite_triggers_install(using=using, tables={AUDIT_TABLE}, statements=sqlite_append_only_triggers(AUDIT_TABLE))
