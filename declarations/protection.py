"""Which tables hold evidence, and how the database protects them.

PostgreSQL: triggers from the migrations (``audit`` 0002, ``declarations`` 0003, 0005 and
``checkpoint_timestamps``) and the
privileges of the portal's role (``manage.py db_roles``). SQLite (the embedded default): the same
rules as triggers installed after every migrate, because SQLite drops a table's triggers whenever a
migration rebuilds it; there are no roles.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import environ
from django.conf import settings
from django.db import connections, transaction

from audit.protection import AUDIT_PERSONAL_TABLE, AUDIT_TABLE, sqlite_append_only_triggers, sqlite_triggers_install

DECLARATION_TABLE = "declarations_declaration"
CHECKPOINT_TABLE = "declarations_checkpoint"
TIMESTAMP_TABLE = "declarations_checkpointtimestamp"
ERASURE_TABLE = "declarations_personaldataerasure"
PERSONAL_TABLE = "declarations_declarationpersonaldata"
TEXT_TABLE = "declarations_declarationtext"

# INSERT and SELECT only for the portal's role.
APPEND_ONLY_TABLES = (DECLARATION_TABLE, CHECKPOINT_TABLE, TIMESTAMP_TABLE, ERASURE_TABLE, AUDIT_TABLE)
# Every table with a protecting trigger.
PROTECTED_TABLES = (*APPEND_ONLY_TABLES, PERSONAL_TABLE, TEXT_TABLE, AUDIT_PERSONAL_TABLE)
#: The audit event an erasure of a declaration's personal data must come with (written first).
ERASE_EVENT_ACTION = "declaration.personal_data_erase"

ERASE_SHAPE = f"""
    OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
    AND NEW.declaration_id = OLD.declaration_id
    AND NEW.signatory_name = '' AND NEW.signatory_position = ''
    AND NEW.user_agent = '' AND NEW.salt = '' AND NEW.ip_address IS NULL
    AND NEW.explanation = ''
    AND EXISTS (
        SELECT 1 FROM {ERASURE_TABLE} e
        WHERE e.declaration_id = NEW.declaration_id AND e.erased_at = NEW.erased_at
    )
    AND EXISTS (
        SELECT 1 FROM {AUDIT_TABLE} a
        WHERE a.action = '{ERASE_EVENT_ACTION}' AND a.object_type = 'declarations.declaration'
          AND a.object_id = CAST(NEW.declaration_id AS TEXT)
    )
"""  # noqa: S608 (constant table names, no input)

TEXT_CHANGED = " OR ".join(
    f"NEW.{column} IS NOT OLD.{column}"
    for column in ("id", "kind", "version", "language", "body", "oecd_edition", "sha256", "published_at", "created_at")
)


def _trigger(name: str, when: str, table: str, condition: str, message: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name}",
        f"CREATE TRIGGER {name} BEFORE {when} ON {table} {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


def sqlite_statements() -> list[str]:
    statements = []
    for table in (DECLARATION_TABLE, CHECKPOINT_TABLE, TIMESTAMP_TABLE, ERASURE_TABLE):
        statements += sqlite_append_only_triggers(table)
    personal = "personal data of a declaration can only be erased, with its erasure record"
    statements += _trigger(
        f"evidence_{PERSONAL_TABLE}_update", "UPDATE", PERSONAL_TABLE, f"WHEN NOT ({ERASE_SHAPE})", personal
    )
    statements += _trigger(f"evidence_{PERSONAL_TABLE}_delete", "DELETE", PERSONAL_TABLE, "", personal)
    immutable = "a published declaration text is immutable"
    statements += _trigger(
        f"evidence_{TEXT_TABLE}_update",
        "UPDATE",
        TEXT_TABLE,
        f"WHEN OLD.published_at IS NOT NULL AND ({TEXT_CHANGED})",
        immutable,
    )
    statements += _trigger(
        f"evidence_{TEXT_TABLE}_delete", "DELETE", TEXT_TABLE, "WHEN OLD.published_at IS NOT NULL", immutable
    )
    return statements


def declarations_protect_sqlite(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate`` handler: the evidence triggers on SQLite."""
    sqlite_triggers_install(
        using=using,
        tables={DECLARATION_TABLE, CHECKPOINT_TABLE, TIMESTAMP_TABLE, ERASURE_TABLE, PERSONAL_TABLE, TEXT_TABLE},
        statements=sqlite_statements(),
    )


@contextmanager
def evidence_protection_lifted(using: str = "default") -> Iterator[None]:
    """Switch the evidence triggers off for the enclosed statements, in one transaction.

    Needs the owner's rights on PostgreSQL (the portal's role cannot, which is the point). Used by
    ``flush`` on a test database and by the tamper tests, which play an insider with owner rights.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending deferred checks
                for table in PROTECTED_TABLES:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            yield
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in PROTECTED_TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'evidence_%'")
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f"DROP TRIGGER {name}")
            yield
            with connection.cursor() as cursor:
                for name, sql in triggers:  # post_migrate (after a flush) may have put them back already
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                    cursor.execute(sql)
        else:  # pragma: no cover - other databases have no evidence triggers
            yield


@contextmanager
def connected_as_owner(using: str = "default") -> Iterator[bool]:
    """Connect ``using`` as the owner role of ``DATABASE_OWNER_URL`` for the enclosed block, if set.

    Only the credentials and host change, never the database name, so this also holds for a test
    database. Yields whether the owner's credentials are in use.
    """
    url = settings.DATABASE_OWNER_URL
    connection = connections[using]
    if not url or using != "default" or connection.vendor != "postgresql":
        yield False
        return
    owner = environ.Env.db_url_config(url)
    if owner.get("USER") == connection.settings_dict.get("USER"):
        yield True  # connected as the owner already (as in CI, where the tests run as the owner)
        return
    if connection.in_atomic_block:
        raise RuntimeError("Cannot switch to the owner role (DATABASE_OWNER_URL) inside a transaction.")
    saved = {key: connection.settings_dict.get(key) for key in ("USER", "PASSWORD", "HOST", "PORT")}
    connection.close()
    connection.settings_dict.update(
        USER=owner.get("USER") or "",
        PASSWORD=owner.get("PASSWORD") or "",
        HOST=owner.get("HOST") or saved["HOST"],
        PORT=owner.get("PORT") or saved["PORT"],
    )
    try:
        yield True
    finally:
        connection.close()
        connection.settings_dict.update(saved)
