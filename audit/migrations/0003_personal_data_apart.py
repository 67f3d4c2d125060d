"""Personal data out of the append-only audit trail, into the erasable ``AuditEventPersonal``.

Creates the personal table, renames ``actor_email`` to ``actor_label`` and moves, for every event
written before: an e-mail address in the actor column (the label ``user#<id>`` takes its place),
the IP address, and the personal fields of the details (``audit.services.details_split``, the same
rule new events are written with). Migration 0004 then drops the IP address column.

This is the one allowed path that changes audit events after the fact. It runs as the owner role
(the portal's role cannot), and switches the append-only trigger off and on again inside its own
transaction, so no other statement ever runs while the trigger is off. On SQLite the triggers are
dropped and put back the same way (``post_migrate`` reinstalls them in any case). The moved values
are emptied in the rows (not only dropped with the column, which on PostgreSQL hides them but
leaves them in the live rows); the old row versions stay in PostgreSQL's files until VACUUM
reuses their space (``VACUUM FULL audit_auditevent`` rewrites the table at once).
"""

import json

import django.db.models.deletion
from django.db import migrations, models

from audit.protection import AUDIT_TABLE, sqlite_append_only_triggers
from audit.services import details_split

BATCH = 2000


def _trigger_off(connection) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER evidence_append_only")
        elif connection.vendor == "sqlite":
            for operation in ("update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS evidence_{AUDIT_TABLE}_{operation}")


def _trigger_on(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending deferred checks
            cursor.execute(f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER evidence_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            for sql in sqlite_append_only_triggers(AUDIT_TABLE):
                cursor.execute(sql)


def _events_rewrite(connection, rows: list[tuple[int, str, str]]) -> None:
    """Set (actor_label, details as JSON text) of many events: one statement per batch on PostgreSQL."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s, %s, %s)"] * len(rows))
            cursor.execute(
                f"UPDATE {AUDIT_TABLE} AS e SET actor_label = v.label, details = CAST(v.details AS jsonb) "  # noqa: S608
                f"FROM (VALUES {values}) AS v(id, label, details) WHERE e.id = v.id",
                [value for row in rows for value in row],
            )
        else:
            cursor.executemany(
                f"UPDATE {AUDIT_TABLE} SET actor_label = %s, details = %s WHERE id = %s",  # noqa: S608
                [(label, details, pk) for pk, label, details in rows],
            )


def personal_data_move(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditEventPersonal = apps.get_model("audit", "AuditEventPersonal")
    connection = schema_editor.connection
    _trigger_off(connection)
    last = 0
    while True:
        events = list(
            AuditEvent.objects.filter(pk__gt=last)
            .order_by("pk")
            .values("pk", "actor_id", "actor_label", "ip_address", "details")[:BATCH]
        )
        if not events:
            break
        last = events[-1]["pk"]
        personal_rows, rewrites = [], []
        for event in events:
            details = event["details"] if isinstance(event["details"], dict) else {}
            kept, personal_details = details_split(details)
            actor_email = event["actor_label"] if "@" in event["actor_label"] else ""
            if actor_email or personal_details:
                label = event["actor_label"]
                if actor_email:
                    label = f"user#{event['actor_id']}" if event["actor_id"] else ""
                rewrites.append((event["pk"], label, json.dumps(kept if personal_details else event["details"])))
            if actor_email or event["ip_address"] or personal_details:
                personal_rows.append(
                    AuditEventPersonal(
                        event_id=event["pk"],
                        actor_email=actor_email,
                        ip_address=event["ip_address"],
                        details=personal_details,
                    )
                )
        _events_rewrite(connection, rewrites)
        AuditEventPersonal.objects.bulk_create(personal_rows)
    # Emptied in the rows before 0004 drops the column: PostgreSQL's DROP COLUMN only hides the
    # values, which would stay in the live rows on disk.
    AuditEvent.objects.filter(ip_address__isnull=False).update(ip_address=None)
    _trigger_on(connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.CreateModel(
            name="AuditEventPersonal",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="personal",
                        serialize=False,
                        to="audit.auditevent",
                        verbose_name="audit event",
                    ),
                ),
                ("actor_email", models.CharField(blank=True, max_length=254, verbose_name="actor e-mail")),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                ("user_agent", models.CharField(blank=True, max_length=500, verbose_name="user agent")),
                (
                    "details",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text="Details of the event that are personal data (e-mail addresses, names).",
                        verbose_name="personal details",
                    ),
                ),
                ("erased_at", models.DateTimeField(blank=True, db_index=True, null=True, verbose_name="erased at")),
            ],
            options={
                "verbose_name": "personal data of an audit event",
                "verbose_name_plural": "personal data of audit events",
            },
        ),
        migrations.RenameField(model_name="auditevent", old_name="actor_email", new_name="actor_label"),
        migrations.AlterField(
            model_name="auditevent",
            name="actor_label",
            field=models.CharField(
                blank=True,
                help_text="Pseudonymous label of the actor: user#<id>.",
                max_length=254,
                verbose_name="actor",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="details",
            field=models.JSONField(
                blank=True, default=dict, help_text="What happened, without personal data.", verbose_name="details"
            ),
        ),
        migrations.RunPython(personal_data_move, migrations.RunPython.noop, elidable=False),
    ]
