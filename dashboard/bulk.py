"""Writing synthetic volume fast (``generate_volume``): ids reserved up front, rows given as tuples
and streamed with PostgreSQL's ``COPY`` (``bulk_create`` on other databases), the dashboard's change
triggers paused, and the secondary indexes and constraints of the loaded tables built once after
the load instead of maintained row by row."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime

from django.db import DatabaseError, connection, models, transaction
from django.db.models.expressions import BaseExpression

from core.database import wait_callback_lifted

from .changes import TRIGGERS

FLUSH_ROWS = 50_000


def ids_reserve(model, count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``: taken from its sequence on PostgreSQL, so no
    other insert can get them; elsewhere counted on from the highest id (one writer only)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table, table, count],
            )
            last = cursor.fetchone()[0]
            return list(range(last - count + 1, last + 1))
    reserved = _sqlite_next.get(table)
    if reserved is None:
        reserved = (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
    _sqlite_next[table] = reserved + count
    return list(range(reserved, reserved + count))


_sqlite_next: dict[str, int] = {}


def ids_forget() -> None:
    """Start counting from the database again (a new load)."""
    _sqlite_next.clear()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in ``COPY`` text format."""
    kind = type(value)
    if kind is str:
        # Four substring tests cost less than a translate of every string; few strings need it.
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    return text.translate(_COPY_ESCAPES)


class RowWriter:
    """Rows of one table, each a tuple of the values of ``columns`` (attribute names), written in
    batches. The model's other concrete fields get the value in ``same`` or else their default
    (``auto_now`` ones: the start of the load; fields with a database default: that default),
    turned into text once, not per row. Without ``columns``: every field but those."""

    def __init__(self, model, columns: Sequence[str] | None = None, *, same: dict | None = None):
        self.model = model
        template = model(**(same or {}))
        self.now = datetime.now(tz=UTC)
        fields = model._meta.concrete_fields
        stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
        from_database = {f.attname for f in fields if isinstance(getattr(template, f.attname), BaseExpression)}
        if columns is None:
            columns = [f.attname for f in fields if f.attname not in stamped | from_database | set(same or ())]
        self.columns = tuple(columns)
        unknown = set(self.columns) - {f.attname for f in fields}
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
        self.fixed: dict[str, object] = {}
        for field in fields:
            if field.attname in self.columns or field.attname in from_database:
                continue
            value = (
                self.now
                if field.attname in stamped and not getattr(template, field.attname)
                else getattr(template, field.attname)
            )
            if value is None and not field.null:
                raise ValueError(f"{model.__name__}.{field.attname} has no default: give it per row")
            self.fixed[field.attname] = value
        self.copy = connection.vendor == "postgresql"
        by_attname = {f.attname: f for f in fields}
        quote = connection.ops.quote_name
        names = ", ".join(quote(by_attname[name].column) for name in (*self.columns, *self.fixed))
        self.statement = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
        self.fixed_text = "".join("\t" + _copy_text(value) for value in self.fixed.values())
        self.rows: list = []

    def add(self, values: Iterable) -> None:
        if self.copy:
            self.rows.append("\t".join(map(_copy_text, values)) + self.fixed_text)
        else:
            self.rows.append(tuple(values))
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def add_instance(self, obj) -> None:
        """A model instance (primary key set) as a row."""
        self.add([getattr(obj, name) for name in self.columns])

    def flush(self) -> None:
        if not self.rows:
            return
        if self.copy:
            buffer = io.StringIO("\n".join(self.rows) + "\n")
            with connection.cursor() as cursor, wait_callback_lifted():  # COPY refuses a wait callback
                cursor.cursor.copy_expert(self.statement, buffer)
        else:
            objects = [self.model(**dict(zip(self.columns, row, strict=True)), **self.fixed) for row in self.rows]
            self.model.objects.bulk_create(objects, batch_size=1000)
        self.rows = []


@contextmanager
def dashboard_triggers_paused():
    """Pause the outbox triggers for a bulk load that ends in a full rebuild (PostgreSQL, as the
    tables' owner, inside the transaction; otherwise they stay on and the load is only slower)."""
    paused = []
    if connection.vendor == "postgresql":
        for name, table, *_rest in TRIGGERS:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
                paused.append((name, table))
            except DatabaseError:  # not the owner: keep the trigger
                pass
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if paused:
                # The deferred foreign-key checks of the load run now: ALTER TABLE refuses a table
                # with pending trigger events.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, table in paused:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")


# What indexes_deferred drops and makes again, in the order it makes them: secondary indexes,
# unique constraints, then foreign keys (each checked by one query over the whole table).
_DEFERRED_SQL = """
SELECT 0, c.relname, pg_get_indexdef(i.indexrelid), i.indexrelid::regclass::text, ''
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.oid = ANY(%(tables)s::regclass[])
   AND NOT i.indisprimary AND (%(unique)s OR NOT i.indisunique)
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
UNION ALL
SELECT CASE k.contype WHEN 'u' THEN 1 ELSE 2 END, c.relname, pg_get_constraintdef(k.oid), k.conname, k.contype
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
 WHERE c.oid = ANY(%(tables)s::regclass[])
   AND k.contype IN ('f', CASE WHEN %(unique)s THEN 'u' END)
 ORDER BY 1, 2, 4
"""


@contextmanager
def indexes_deferred(*models_loaded, unique: bool = True, maintenance_work_mem: str = "256MB"):
    """On PostgreSQL, inside the caller's transaction: drop the secondary indexes, unique
    constraints and foreign keys of the tables of ``models_loaded`` (primary keys stay), and
    create them again, with the same names and definitions, after the body. One sort per index
    and one check per foreign key beat maintaining a dozen indexes (random 64-character hashes
    among them) and queueing a deferred check for every row. ``unique=False`` keeps the unique
    indexes and constraints (a body that upserts with ``ON CONFLICT`` needs them). The tables are
    locked (ACCESS EXCLUSIVE) until the transaction ends; if the body fails, the rollback restores
    everything. Elsewhere, or without the right to alter the tables, it does nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_deferred must run inside a transaction")
    tables = [model._meta.db_table for model in models_loaded]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Check what is pending now: ALTER TABLE refuses a table with pending trigger events (the
        # foreign keys dropped here also live on the tables they reference). The rest of the
        # transaction checks constraints immediately.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(_DEFERRED_SQL, {"tables": tables, "unique": unique})
        deferred = cursor.fetchall()
        try:
            with transaction.atomic():
                for kind, table, _definition, name, _contype in reversed(deferred):
                    if kind == 0:
                        cursor.execute(f"DROP INDEX {name}")
                    else:
                        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        except DatabaseError:  # not the tables' owner: the load keeps its indexes and is only slower
            deferred = []
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = %s", [maintenance_work_mem])
        for kind, table, definition, name, _contype in deferred:
            if kind == 0:
                cursor.execute(definition)
            else:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
