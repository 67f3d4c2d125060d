"""The outbox of changes the dashboard's incremental refresh reads (``FactChange``).

Database triggers, not signals or service calls: every way a row can change (services, admin,
``QuerySet.update``, a bulk ``COPY``, SQL by hand) lands here, and the lower apps need not know
the dashboard exists. Each trigger appends ``(kind, key)``: ``r`` a registration whose status,
decision or links changed, ``o`` an organisation whose category changed, ``m`` a mission that is new or whose
year, destination, slug or title changed, ``a`` an attendance record. Deleted rows need nothing: facts are
kept when their sources go. Installed after every ``migrate`` (idempotent): SQLite drops a
table's triggers whenever a migration rebuilds the table.
"""

from django.db import connections

CHANGE_TABLE = "dashboard_factchange"

# (name, table, events: "INSERT" and/or the columns of an UPDATE, kind, key column)
TRIGGERS = (
    ("dashboard_registration_insert", "missions_registration", "INSERT", "r", "id"),
    (
        "dashboard_registration_update",
        "missions_registration",
        "UPDATE OF status, current_declaration_id, mission_id, organisation_id",
        "r",
        "id",
    ),
    ("dashboard_organisation_update", "organisations_organisation", "UPDATE OF sector, kind, size_class", "o", "id"),
    ("dashboard_mission_insert", "missions_mission", "INSERT", "m", "id"),
    (
        "dashboard_mission_update",
        "missions_mission",
        "UPDATE OF starts_on, country, slug, title_nl, title_en",
        "m",
        "id",
    ),
    ("dashboard_attendance_insert", "missions_attendance", "INSERT", "a", "id"),
    ("dashboard_attendance_update", "missions_attendance", "UPDATE OF status, participant_id, session_id", "a", "id"),
)


def _sqlite_statements(triggers=TRIGGERS) -> list[str]:
    statements = []
    for name, table, event, kind, column in triggers:
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN "  # noqa: S608 - constants
            f"INSERT INTO {CHANGE_TABLE} (kind, key) VALUES ('{kind}', NEW.{column}); END",
        ]
    return statements


def _postgresql_statements(triggers=TRIGGERS) -> list[str]:
    statements = []
    for name, table, event, kind, column in triggers:
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608
            f"INSERT INTO {CHANGE_TABLE} (kind, key) VALUES ('{kind}', NEW.{column}); RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return statements


def change_triggers_install(using: str = "default") -> None:
    connection = connections[using]
    statements = {"sqlite": _sqlite_statements, "postgresql": _postgresql_statements}.get(connection.vendor)
    if statements is None:
        return
    # Only on the tables that exist: after a migration was unapplied (``migration_roundtrip``) a
    # source table may be gone for now; the next migrate forward installs its triggers again.
    existing = set(connection.introspection.table_names())
    if CHANGE_TABLE not in existing:
        return
    triggers = [trigger for trigger in TRIGGERS if trigger[1] in existing]
    with connection.cursor() as cursor:
        for statement in statements(triggers):
            cursor.execute(statement)


def dashboard_install_triggers(sender, using="default", **kwargs) -> None:
    """``post_migrate`` receiver."""
    change_triggers_install(using)
