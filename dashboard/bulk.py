"""Writing synthetic volume fast (``generate_volume``): ids reserved up front, rows streamed with
PostgreSQL's ``COPY`` (``bulk_create`` on other databases), the dashboard's change triggers paused."""

from __future__ import annotations

import io
import json
from contextlib import contextmanager
from datetime import UTC, date, datetime

from django.db import DatabaseError, connection, models, transaction

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


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class RowWriter:
    """Collects model instances (primary keys set) and writes them in batches."""

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.rows: list = []
        self.copy = connection.vendor == "postgresql"
        self.now = datetime.now(tz=UTC)
        # Per field: how to turn the attribute into COPY text (a plain getattr for almost all).
        self.columns = []
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.columns.append((field.attname, "now"))
            elif isinstance(field, models.JSONField):
                self.columns.append((field.attname, "json"))
            else:
                self.columns.append((field.attname, ""))

    def _line(self, obj) -> str:
        values = []
        for attname, kind in self.columns:
            value = getattr(obj, attname)
            if kind == "now":
                value = value or self.now
            elif kind == "json":
                value = None if value is None else json.dumps(value)
            values.append(_copy_text(value))
        return "\t".join(values)

    def add(self, obj) -> None:
        self.rows.append(self._line(obj) if self.copy else obj)
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.copy:
            columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
            table = connection.ops.quote_name(self.model._meta.db_table)
            buffer = io.StringIO("\n".join(self.rows) + "\n")
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
        else:
            self.model.objects.bulk_create(self.rows, batch_size=1000)
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
