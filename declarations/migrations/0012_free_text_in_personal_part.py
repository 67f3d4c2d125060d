"""Record format 3: the explanation a person typed leaves the record for the erasable personal part.

- ``DeclarationPersonalData.explanation`` holds it, committed by the salted ``personal_hash``;
- a format 3 record's own ``explanation`` must be empty (check constraint);
- on PostgreSQL the erase-only trigger function also requires the explanation to be emptied by the
  erasure (SQLite: ``declarations/protection.py``). Format 1 and 2 records are left as they are.
"""

from django.db import migrations, models

ERASE_ONLY = """
CREATE OR REPLACE FUNCTION declarations_personal_erase_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
        AND NEW.declaration_id = OLD.declaration_id
        AND NEW.signatory_name = '' AND NEW.signatory_position = ''
        AND NEW.user_agent = '' AND NEW.salt = '' AND NEW.ip_address IS NULL
        AND NEW.explanation = ''
        AND EXISTS (
            SELECT 1 FROM declarations_personaldataerasure e
            WHERE e.declaration_id = NEW.declaration_id AND e.erased_at = NEW.erased_at
        )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'personal data of a declaration can only be erased, with its erasure record (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def erase_only_with_explanation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ERASE_ONLY, params=None)


def erase_only_without_explanation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ERASE_ONLY.replace("\n        AND NEW.explanation = ''", ""), params=None)
    elif schema_editor.connection.vendor == "sqlite":
        # SQLite refuses to drop a column a trigger names; post_migrate installs the triggers again.
        schema_editor.execute("DROP TRIGGER IF EXISTS evidence_declarations_declarationpersonaldata_update")


class Migration(migrations.Migration):
    dependencies = [("declarations", "0011_declaration_subject_protocol")]

    operations = [
        migrations.AddField(
            model_name="declarationpersonaldata",
            name="explanation",
            field=models.TextField(
                blank=True,
                db_default="",
                default="",
                help_text="What the signatory typed (not endorsed, reason for a withdrawal), from record format 3 "
                "on; committed by the salted hash, erased with the rest.",
                verbose_name="explanation",
            ),
        ),
        migrations.AlterField(
            model_name="declaration",
            name="explanation",
            field=models.TextField(
                blank=True,
                help_text="Empty from format 3 on: the explanation is in the erasable personal data.",
                verbose_name="explanation (formats 1 and 2)",
            ),
        ),
        migrations.AlterField(
            model_name="declaration",
            name="format_version",
            field=models.PositiveSmallIntegerField(
                db_default=1,
                default=3,
                editable=False,
                help_text="Which serialisation the record hash covers (declarations/hashing.py).",
                verbose_name="record format",
            ),
        ),
        migrations.AddConstraint(
            model_name="declaration",
            constraint=models.CheckConstraint(
                condition=models.Q(("format_version__lt", 3), ("explanation", ""), _connector="OR"),
                name="declaration_format3_no_free_text",
            ),
        ),
        migrations.RunPython(erase_only_with_explanation, erase_only_without_explanation),
    ]
