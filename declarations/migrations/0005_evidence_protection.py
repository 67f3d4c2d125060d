"""On PostgreSQL, the database itself protects the declaration evidence.

- records, checkpoints and erasure records: no UPDATE, DELETE or TRUNCATE (``evidence_refuse_change``
  from the audit app; the records' own ``declarations_append_only`` trigger stays);
- personal data: the only UPDATE allowed is the erasure (every personal field emptied and
  ``erased_at`` set once, matching an erasure record); no DELETE, no TRUNCATE;
- published texts: no change and no DELETE; drafts stay editable; no TRUNCATE.

Row triggers do not fire on TRUNCATE, hence the statement triggers. The portal's role additionally
lacks the privileges (``manage.py db_roles``); the owner can still disable triggers, which is why
the chain is keyed and checkpointed. SQLite gets the same rules after every migrate
(``declarations/protection.py``).
"""

from django.db import migrations

APPEND_ONLY = ("declarations_checkpoint", "declarations_personaldataerasure")
NO_TRUNCATE = (
    "declarations_declaration",
    "declarations_checkpoint",
    "declarations_personaldataerasure",
    "declarations_declarationpersonaldata",
    "declarations_declarationtext",
)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION declarations_personal_erase_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
        AND NEW.declaration_id = OLD.declaration_id
        AND NEW.signatory_name = '' AND NEW.signatory_position = ''
        AND NEW.user_agent = '' AND NEW.salt = '' AND NEW.ip_address IS NULL
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

CREATE OR REPLACE FUNCTION declarations_text_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.published_at IS NULL THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a published declaration text is immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _create_sql() -> str:
    sql = [FUNCTIONS]
    for table in APPEND_ONLY:
        sql.append(
            f"DROP TRIGGER IF EXISTS evidence_append_only ON {table};"
            f"CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change();"
        )
    for table in NO_TRUNCATE:
        sql.append(
            f"DROP TRIGGER IF EXISTS evidence_no_truncate ON {table};"
            f"CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse_change();"
        )
    sql.append(
        "DROP TRIGGER IF EXISTS evidence_erase_only ON declarations_declarationpersonaldata;"
        "CREATE TRIGGER evidence_erase_only BEFORE UPDATE OR DELETE ON declarations_declarationpersonaldata "
        "FOR EACH ROW EXECUTE FUNCTION declarations_personal_erase_only();"
        "DROP TRIGGER IF EXISTS evidence_published_immutable ON declarations_declarationtext;"
        "CREATE TRIGGER evidence_published_immutable BEFORE UPDATE OR DELETE ON declarations_declarationtext "
        "FOR EACH ROW EXECUTE FUNCTION declarations_text_immutable();"
    )
    return "\n".join(sql)


def _drop_sql() -> str:
    sql = [f"DROP TRIGGER IF EXISTS evidence_append_only ON {table};" for table in APPEND_ONLY]
    sql += [f"DROP TRIGGER IF EXISTS evidence_no_truncate ON {table};" for table in NO_TRUNCATE]
    sql.append("DROP TRIGGER IF EXISTS evidence_erase_only ON declarations_declarationpersonaldata;")
    sql.append("DROP TRIGGER IF EXISTS evidence_published_immutable ON declarations_declarationtext;")
    sql.append("DROP FUNCTION IF EXISTS declarations_personal_erase_only();")
    sql.append("DROP FUNCTION IF EXISTS declarations_text_immutable();")
    return "\n".join(sql)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_create_sql(), params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_drop_sql(), params=None)


class Migration(migrations.Migration):
    dependencies = [("declarations", "0004_keyed_chain_checkpoints"), ("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
