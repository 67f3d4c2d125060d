"""Erasing a declaration's personal data needs its audit event, in the same transaction (PostgreSQL).

The erasure's UPDATE is allowed only when, beside the keyed erasure record, the audit trail holds
a ``declaration.personal_data_erase`` event for that declaration written by the same top-level
transaction (``written_in_xact``, ``audit`` 0005). So even the portal's role, which holds the keys,
cannot empty a signatory's data without leaving a chained audit event. SQLite: the same rule without
the transaction test (``declarations/protection.py``).
"""

from django.db import migrations

FUNCTION = """
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
        AND EXISTS (
            SELECT 1 FROM audit_auditevent a
            WHERE a.object_type = 'declarations.declaration' AND a.object_id = NEW.declaration_id::text
              AND a.action = 'declaration.personal_data_erase' AND a.written_in_xact = pg_current_xact_id()
        )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'personal data of a declaration can only be erased with its erasure and audit event (% refused)',
        TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS = """
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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0014_merge_20261206_1333"),
        ("audit", "0007_audit_event_keyed_chain"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
