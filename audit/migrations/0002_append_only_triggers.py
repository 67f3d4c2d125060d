"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE on the audit trail (append-only evidence).

``evidence_refuse_change()`` is shared: the declarations app attaches it to its evidence tables.
On SQLite the same protection is installed after every migrate (``audit/protection.py``), because
SQLite drops a table's triggers whenever a migration rebuilds the table.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION evidence_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only evidence (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS evidence_append_only ON audit_auditevent;
CREATE TRIGGER evidence_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change();
DROP TRIGGER IF EXISTS evidence_no_truncate ON audit_auditevent;
CREATE TRIGGER evidence_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS evidence_append_only ON audit_auditevent;
DROP TRIGGER IF EXISTS evidence_no_truncate ON audit_auditevent;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
