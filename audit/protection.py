"""SQLite's version of the database rule that keeps the audit trail append-only.

On PostgreSQL the rule is a migration (``audit/migrations/0002_append_only_triggers.py``). SQLite
drops a table's triggers whenever a migration rebuilds the table, so on SQLite the triggers are
(re)installed after every migrate, by a ``post_migrate`` handler.
"""

from django.db import connections

AUDIT_TABLE = "audit_auditevent"
AUDIT_PERSONAL_TABLE = "audit_auditeventpersonal"

#: The one change the personal part allows: the erasure, linked to its erasure event (on
#: PostgreSQL also of the same transaction: migration 0007).
AUDIT_ERASE_SHAPE = f"""
    OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL AND NEW.event_id = OLD.event_id
    AND NEW.actor_email = '' AND NEW.ip_address IS NULL AND NEW.user_agent = ''
    AND NEW.details = '{{}}' AND NEW.salt = '' AND NEW.subject_email = ''
    AND EXISTS (
        SELECT 1 FROM {AUDIT_TABLE} e
        WHERE e.id = NEW.erasure_event_id AND e.action = 'audit.personal_erase' AND e.created_at = NEW.erased_at
    )
"""  # noqa: S608 (constant table names, no input)


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


def sqlite_personal_triggers() -> list[str]:
    """Statements that let the personal part of an audit event change only by its erasure (SQLite)."""
    message = "the personal part of an audit event can only be erased, with its erasure event"
    statements = []
    for operation, condition in (("UPDATE", f"WHEN NOT ({AUDIT_ERASE_SHAPE})"), ("DELETE", "")):
        name = f"evidence_{AUDIT_PERSONAL_TABLE}_{operation.lower()}"
        statements.append(f"DROP TRIGGER IF EXISTS {name}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE {operation} ON {AUDIT_PERSONAL_TABLE} {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
    return statements


def sqlite_cross_table_triggers_drop(connection) -> None:
    """Drop (SQLite) the evidence triggers of other tables whose body reads the audit trail.

    SQLite checks every trigger's body when a migration rebuilds a table and renames the copy, and
    fails while a table it names is briefly missing. They are put back after migrate (``post_migrate``).
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'evidence_%'"
        )
        for name, table, sql in cursor.fetchall():
            if table != AUDIT_TABLE and f"{AUDIT_TABLE} " in (sql or ""):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def sqlite_cross_table_triggers_drop_before_migrate(sender, using: str = "default", **kwargs) -> None:
    """``pre_migrate`` handler: see ``sqlite_cross_table_triggers_drop``."""
    sqlite_cross_table_triggers_drop(connections[using])


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
    sqlite_triggers_install(
        using=using,
        tables={AUDIT_TABLE, AUDIT_PERSONAL_TABLE},
        statements=sqlite_append_only_triggers(AUDIT_TABLE) + sqlite_personal_triggers(),
    )
