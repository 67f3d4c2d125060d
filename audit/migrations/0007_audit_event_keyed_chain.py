"""The keyed chain of the audit trail (``audit/chain.py``) and erasures only with their event.

- Columns: ``sequence``, ``previous_hash``, ``key_id``, ``personal_hash``, ``record_hash`` on the
  events, ``salt`` and ``erasure_event`` on the personal parts. Adding them rewrites no row on
  PostgreSQL (constant defaults), so it is fast at a million events.
- Events written before: anchored, never rewritten. One set-based statement computes
  ``audit.chain.legacy_digest`` over all of them; the first chained event, ``audit.chain_start``
  (keyed with the configured chain key, like ``declarations`` 0006 signed the legacy records' head),
  carries it as its ``previous_hash`` and states how many events and already erased personal parts
  there were. Their personal parts were never committed to: readers mark them unverified.
- PostgreSQL: ``written_in_xact`` (the top-level transaction that inserted an event, not a model
  field) and a trigger on the personal parts: the only UPDATE allowed is the erasure, linked to an
  ``audit.personal_erase`` event of the same transaction; no DELETE, no TRUNCATE. SQLite gets the
  same rule without the transaction test after every migrate (``audit/protection.py``).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone


CHAIN_START_ACTION = "audit.chain_start"

PG_SQL = """
ALTER TABLE audit_auditevent ADD COLUMN IF NOT EXISTS written_in_xact xid8;
ALTER TABLE audit_auditevent ALTER COLUMN written_in_xact SET DEFAULT pg_current_xact_id();
CREATE OR REPLACE FUNCTION audit_personal_erase_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
        AND NEW.event_id = OLD.event_id
        AND NEW.actor_email = '' AND NEW.ip_address IS NULL AND NEW.user_agent = ''
        AND NEW.details = '{}'::jsonb AND NEW.salt = '' AND NEW.subject_email = ''
        AND EXISTS (
            SELECT 1 FROM audit_auditevent e
            WHERE e.id = NEW.erasure_event_id AND e.action = 'audit.personal_erase'
              AND e.created_at = NEW.erased_at AND e.written_in_xact = pg_current_xact_id()
        )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the personal part of an audit event can only be erased, with its erasure event (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS evidence_erase_only ON audit_auditeventpersonal;
CREATE TRIGGER evidence_erase_only BEFORE UPDATE OR DELETE ON audit_auditeventpersonal
    FOR EACH ROW EXECUTE FUNCTION audit_personal_erase_only();
DROP TRIGGER IF EXISTS evidence_no_truncate ON audit_auditeventpersonal;
CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON audit_auditeventpersonal
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse_change();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS evidence_erase_only ON audit_auditeventpersonal;
DROP TRIGGER IF EXISTS evidence_no_truncate ON audit_auditeventpersonal;
DROP FUNCTION IF EXISTS audit_personal_erase_only();
ALTER TABLE audit_auditevent DROP COLUMN IF EXISTS written_in_xact;
"""


def sqlite_triggers_drop(apps, schema_editor):
    """SQLite: triggers reading the audit table would break its rebuild (``post_migrate`` restores them)."""
    from audit.protection import sqlite_cross_table_triggers_drop

    sqlite_cross_table_triggers_drop(schema_editor.connection)


def protect(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_SQL, params=None)


def unprotect(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)


def anchor_legacy_events(apps, schema_editor):
    """Commit to every event written before the chain with one keyed event (nothing is rewritten)."""
    from audit.chain import event_hash, legacy_digest
    from core.evidence_keys import current_chain_key

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditEventPersonal = apps.get_model("audit", "AuditEventPersonal")
    connection = schema_editor.connection
    db = connection.alias
    if AuditEvent.objects.using(db).filter(sequence__isnull=False).exists():
        return
    count, digest = legacy_digest(connection)
    if count == 0:
        return
    erased = AuditEventPersonal.objects.using(db).filter(erased_at__isnull=False).count()
    event = AuditEvent(
        action=CHAIN_START_ACTION,
        created_at=timezone.now(),
        details={"legacy_events": count, "legacy_digest": digest, "legacy_personal_erased": erased},
        sequence=1,
        previous_hash=digest,
        key_id=current_chain_key().key_id,
        personal_hash="",
        actor_id=None,
        actor_label="",
        object_type="",
        object_id="",
        organisation_id=None,
    )
    event.record_hash = event_hash(event)
    event.save(using=db, force_insert=True)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_typed_reasons_apart"),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_drop, sqlite_triggers_drop, elidable=False),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Which key computed the hashes; the key itself is never stored in the database.",
                max_length=40,
                verbose_name="chain key id",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="personal_hash",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Empty when the event has no personal part.",
                max_length=64,
                verbose_name="keyed hash of the personal part",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=64, verbose_name="hash of the previous event"
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="record_hash",
            field=models.CharField(blank=True, db_default="", default="", max_length=64, verbose_name="record hash"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(
                blank=True,
                editable=False,
                help_text="Place in the keyed chain of the audit trail; empty on events written before the chain.",
                null=True,
                unique=True,
                verbose_name="sequence number",
            ),
        ),
        migrations.AddField(
            model_name="auditeventpersonal",
            name="erasure_event",
            field=models.ForeignKey(
                blank=True,
                help_text="The audit event that erased this part (the database refuses an erasure without one).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="audit.auditevent",
                verbose_name="erasure event",
            ),
        ),
        migrations.AddField(
            model_name="auditeventpersonal",
            name="salt",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Erased with the data.",
                max_length=64,
                verbose_name="salt",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="when"
            ),
        ),
        migrations.RunPython(protect, unprotect, elidable=False),
        migrations.RunPython(anchor_legacy_events, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(sqlite_triggers_drop, sqlite_triggers_drop, elidable=False),
    ]
