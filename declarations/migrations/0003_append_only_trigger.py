"""On PostgreSQL, refuse UPDATE and DELETE on the declaration table (append-only evidence)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION declarations_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'declaration records are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS declarations_append_only ON declarations_declaration;
CREATE TRIGGER declarations_append_only
    BEFORE UPDATE OR DELETE ON declarations_declaration
    FOR EACH ROW EXECUTE FUNCTION declarations_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS declarations_append_only ON declarations_declaration;
DROP FUNCTION IF EXISTS declarations_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("declarations", "0002_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
