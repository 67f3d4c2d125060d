"""Attendance moves to ``missions`` (ARCHITECTURE.md: the dashboard, beside staff, reads it there).

The rows are copied with their ids, so audit events that name an attendance record by id keep
pointing at it; the sequence of the new table then continues after the highest id.
"""

from django.core.management.color import no_style
from django.db import migrations

FIELDS = ("id", "session_id", "participant_id", "status", "invited_at", "recorded_at", "recorded_by_id")


def _copy(apps, schema_editor, source, target):
    Source = apps.get_model(*source)
    Target = apps.get_model(*target)
    db = schema_editor.connection.alias
    rows = Source.objects.using(db).values(*FIELDS).iterator(chunk_size=2000)
    batch = []
    for row in rows:
        batch.append(Target(**row))
        if len(batch) == 2000:
            Target.objects.using(db).bulk_create(batch)
            batch = []
    Target.objects.using(db).bulk_create(batch)
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Target]):
            cursor.execute(statement)


def to_missions(apps, schema_editor):
    _copy(apps, schema_editor, ("staff", "Attendance"), ("missions", "Attendance"))


def to_staff(apps, schema_editor):
    """Back: the rows return to the staff table and leave the missions one (forward copies them again)."""
    _copy(apps, schema_editor, ("missions", "Attendance"), ("staff", "Attendance"))
    apps.get_model("missions", "Attendance").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        ("missions", "0004_attendance_from_staff"),
    ]

    operations = [
        migrations.RunPython(to_missions, to_staff),
        migrations.DeleteModel(name="Attendance"),
    ]
