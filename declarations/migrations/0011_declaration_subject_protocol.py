"""One declaration core for every subject: (type, id) instead of foreign keys up to missions and
instruments, a record format version, and declaration texts per kind of undertaking.

- The two foreign-key columns (``registration_id``, ``instrument_application_id``) lose their
  foreign-key constraints and stay, unchanged, as the format 1 subject columns
  (``legacy_registration_id``, ``legacy_instrument_application_id``): format 1 hashes them.
- New columns: ``format_version`` (existing rows: 1, by the database default), ``subject_type`` and
  ``subject_id``, ``subject_snapshot``, ``text_kind`` and ``signed_text_sha256`` (format 2 only).
- ``subject_type``/``subject_id`` of the existing rows are filled from the format 1 columns in one
  statement. They are not part of a format 1 record's hash; ``declarations_verify`` checks that they
  agree with the hashed columns, so the copy can be trusted no more and no less than the record.
  This is the one allowed path that changes evidence rows after the fact, and it changes no hashed
  column: it runs as the owner role and switches the append-only triggers off and on again inside
  its own transaction (as ``audit`` 0003 does), so no other statement runs while they are off.
- Declaration texts get a ``kind``; every text published so far is the missions' text.

Existing records keep verifying unchanged: no hashed value moves.
"""

from django.conf import settings
from django.db import migrations, models

DECLARATION_TABLE = "declarations_declaration"
SQLITE_TRIGGERS = ("update", "delete")


def _triggers_off(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending deferred checks
            cursor.execute(f"ALTER TABLE {DECLARATION_TABLE} DISABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            for operation in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS evidence_{DECLARATION_TABLE}_{operation}")


def _triggers_on(connection) -> None:
    from audit.protection import sqlite_append_only_triggers

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {DECLARATION_TABLE} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            for sql in sqlite_append_only_triggers(DECLARATION_TABLE):
                cursor.execute(sql)


def subjects_fill(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {DECLARATION_TABLE} WHERE subject_type IS NULL")  # noqa: S608
        (pending,) = cursor.fetchone()
    if not pending:
        return
    _triggers_off(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DECLARATION_TABLE} SET "  # noqa: S608 (constant table name)
            "subject_type = CASE WHEN registration_id IS NOT NULL THEN 'mission_registration' "
            "ELSE 'instrument_application' END, "
            "subject_id = COALESCE(registration_id, instrument_application_id) "
            "WHERE subject_type IS NULL"
        )
    _triggers_on(connection)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("declarations", "0010_merge_reference_and_authority"),
        ("organisations", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="declarationtext",
            options={
                "ordering": ["kind", "-version", "language"],
                "verbose_name": "declaration text",
                "verbose_name_plural": "declaration texts",
            },
        ),
        migrations.RemoveConstraint(model_name="declaration", name="declaration_exactly_one_subject"),
        migrations.RemoveConstraint(model_name="declarationtext", name="unique_text_version_language"),
        migrations.RemoveIndex(model_name="declaration", name="declaration_registration_seq"),
        # The foreign keys become plain columns under the same names: the constraint goes, the data stay.
        migrations.AlterField(
            model_name="declaration",
            name="registration",
            field=models.PositiveBigIntegerField(
                blank=True, db_column="registration_id", editable=False, null=True, verbose_name="registration (format 1)"
            ),
        ),
        migrations.RenameField(model_name="declaration", old_name="registration", new_name="legacy_registration_id"),
        migrations.AlterField(
            model_name="declaration",
            name="instrument_application",
            field=models.PositiveBigIntegerField(
                blank=True,
                db_column="instrument_application_id",
                editable=False,
                null=True,
                verbose_name="instrument application (format 1)",
            ),
        ),
        migrations.RenameField(
            model_name="declaration", old_name="instrument_application", new_name="legacy_instrument_application_id"
        ),
        migrations.AddField(
            model_name="declaration",
            name="format_version",
            field=models.PositiveSmallIntegerField(
                db_default=1,
                default=2,
                editable=False,
                help_text="Which serialisation the record hash covers (declarations/hashing.py).",
                verbose_name="record format",
            ),
        ),
        migrations.AddField(
            model_name="declaration",
            name="subject_type",
            field=models.CharField(max_length=40, null=True, verbose_name="subject type"),
        ),
        migrations.AddField(
            model_name="declaration",
            name="subject_id",
            field=models.PositiveBigIntegerField(null=True, verbose_name="subject id"),
        ),
        migrations.AddField(
            model_name="declaration",
            name="subject_snapshot",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Kind, code, name and reference of the undertaking as signed (empty on format 1 records).",
                verbose_name="undertaking at signing",
            ),
        ),
        migrations.AddField(
            model_name="declaration",
            name="text_kind",
            field=models.CharField(blank=True, db_default="", max_length=20, verbose_name="kind of text"),
        ),
        migrations.AddField(
            model_name="declaration",
            name="signed_text_sha256",
            field=models.CharField(
                blank=True,
                db_default="",
                help_text="The text with the undertaking's name filled in, as the signatory read it (format 2).",
                max_length=64,
                verbose_name="SHA-256 of the text as shown",
            ),
        ),
        migrations.AddField(
            model_name="declarationtext",
            name="kind",
            field=models.CharField(
                choices=[
                    ("mission", "Innovation mission"),
                    ("subsidy", "Subsidy"),
                    ("finance", "Loan, guarantee or credit"),
                    ("tax", "Tax scheme"),
                    ("network", "Knowledge network or programme"),
                ],
                db_default="mission",
                default="mission",
                max_length=20,
                verbose_name="kind of undertaking",
            ),
        ),
        migrations.AlterField(
            model_name="declaration",
            name="application_reference",
            field=models.CharField(
                blank=True,
                db_default="",
                editable=False,
                max_length=40,
                verbose_name="application reference at signing (format 1)",
            ),
        ),
        migrations.AlterField(
            model_name="declaration",
            name="framework_level",
            field=models.PositiveSmallIntegerField(
                blank=True, editable=False, null=True, verbose_name="framework level at signing (format 1)"
            ),
        ),
        migrations.AlterField(
            model_name="declaration",
            name="instrument_code",
            field=models.CharField(
                blank=True,
                db_default="",
                editable=False,
                max_length=30,
                verbose_name="instrument code at signing (format 1)",
            ),
        ),
        migrations.RunPython(subjects_fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="declaration",
            name="subject_type",
            field=models.CharField(max_length=40, verbose_name="subject type"),
        ),
        migrations.AlterField(
            model_name="declaration",
            name="subject_id",
            field=models.PositiveBigIntegerField(verbose_name="subject id"),
        ),
        migrations.AddIndex(
            model_name="declaration",
            index=models.Index(fields=["subject_type", "subject_id", "sequence"], name="declaration_subject_seq"),
        ),
        migrations.AddConstraint(
            model_name="declaration",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("format_version__gte", 2),
                        ("legacy_instrument_application_id__isnull", True),
                        ("legacy_registration_id__isnull", True),
                        ("application_reference", ""),
                        ("framework_level__isnull", True),
                        ("instrument_code", ""),
                    ),
                    ("format_version", 1),
                    _connector="OR",
                ),
                name="declaration_format2_no_legacy_subject",
            ),
        ),
        migrations.AddConstraint(
            model_name="declaration",
            constraint=models.CheckConstraint(
                condition=models.Q(("subject_type", ""), _negated=True), name="declaration_has_subject"
            ),
        ),
        migrations.AddConstraint(
            model_name="declarationtext",
            constraint=models.UniqueConstraint(
                fields=("kind", "version", "language"), name="unique_text_kind_version_language"
            ),
        ),
    ]
