"""Migration 0003 moves the personal data of events written before it out of the append-only rows.

The events are written as the old schema had them (raw SQL at migration 0002), then the migrations
run forward, through the append-only trigger, which the migration switches off and on itself.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.chain import event_hash
from audit.models import AuditEvent, AuditEventPersonal
from audit.protection import audit_protect_sqlite
from audit.verification import audit_verify
from declarations.protection import declarations_protect_sqlite
from tests.factories import UserFactory

from .helpers import audit_trail_text


def _migrate(target=None):
    """Migrate to ``target``, or back to the latest migration of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target or executor.loader.graph.leaf_nodes())
    if target is None:  # as ``migrate`` does after the last migration (SQLite: triggers back)
        audit_protect_sqlite(sender=None)
        declarations_protect_sqlite(sender=None)


def _old_event(actor_id, actor_email, ip, details):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (actor_id, actor_email, action, object_type, object_id, created_at,"
            " ip_address, details) VALUES (%s, %s, 'old.event', '', '', CURRENT_TIMESTAMP, %s, %s)",
            [actor_id, actor_email, ip, details],
        )


def _moves_old_personal_data():
    user = UserFactory(email="oud@example.org")
    try:
        _migrate([("audit", "0002_append_only_triggers")])
        _old_event(user.pk, "oud@example.org", "203.0.113.50", '{"user": "lid@example.org", "role": "admin"}')
        _old_event(user.pk, f"user#{user.pk}", "203.0.113.51", '{"username": "poging@example.org", "reason": "x"}')
        _old_event(None, "", None, '{"count": 3}')
    finally:
        _migrate()
    first, second, third = AuditEvent.objects.filter(sequence__isnull=True).order_by("pk")
    assert (first.actor_label, first.details) == (f"user#{user.pk}", {"role": "admin"})
    assert (second.actor_label, second.details) == (f"user#{user.pk}", {"reason": "x"})
    assert third.details == {"count": 3} and not AuditEventPersonal.objects.filter(event=third).exists()
    assert (first.personal.actor_email, first.personal.ip_address) == ("oud@example.org", "203.0.113.50")
    assert first.personal.details == {"user": "lid@example.org"}
    assert second.personal.details == {"username": "poging@example.org"}
    # Migration 0005: the address the event is about, for exact selection (issue 23).
    assert (second.personal.subject_email, first.personal.subject_email) == ("poging@example.org", "")
    event_text = str(list(AuditEvent.objects.values())).lower()
    for value in ("oud@example.org", "lid@example.org", "poging@example.org", "203.0.113.5"):
        assert value not in event_text and value in audit_trail_text()
    # Migration 0005 anchored the three events of before the chain: the first chained event commits
    # to their digest, with a key; changing one of them is detected.
    start = AuditEvent.objects.get(sequence=1)
    assert start.action == "audit.chain_start" and start.details["legacy_events"] == 3
    assert start.previous_hash == start.details["legacy_digest"] and start.record_hash == event_hash(start)
    assert audit_verify().problems == []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # as the owner, who can switch the trigger off
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS evidence_audit_auditevent_update")
        cursor.execute("UPDATE audit_auditevent SET details = '{\"count\": 4}' WHERE id = %s", [third.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    assert [(p.code, p.event_id) for p in audit_verify().problems] == [("audit_legacy_changed", start.pk)]
    audit_protect_sqlite(sender=None)
    # The append-only rule is back on.
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'changed'")


@pytest.mark.django_db(transaction=True)
def test_migration_moves_old_personal_data_out_of_the_events():
    """On the configured database: SQLite in ``make test`` without services, PostgreSQL in CI."""
    _moves_old_personal_data()


def _event_at_0005(action: str, details: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (actor_id, actor_label, action, object_type, object_id, created_at,"
            " details) VALUES (NULL, '', %s, '', '', CURRENT_TIMESTAMP, %s)",
            [action, details],
        )


def _moves_typed_reasons():
    try:
        _migrate([("audit", "0005_personal_subject_exact")])
        _event_at_0005("registration.withdraw", '{"reason": "Jan Jansen is ziek"}')
        _event_at_0005("mission.cancel", '{"from": "published", "to": "cancelled", "reason": "Piet trekt zich terug"}')
        _event_at_0005("auth.login_failed", '{"reason": "bad_password"}')
    finally:
        _migrate()
    # (migration 0007 then anchors these events of before the chain with one chained event)
    withdraw, cancel, login = AuditEvent.objects.filter(sequence__isnull=True).order_by("pk").select_related("personal")
    assert withdraw.details == {} and withdraw.personal.details == {"reason_text": "Jan Jansen is ziek"}
    assert cancel.details == {"from": "published", "to": "cancelled"}
    assert cancel.personal.details == {"reason_text": "Piet trekt zich terug"}
    assert login.details == {"reason": "bad_password"}  # a code, not typed text: stays
    with connection.cursor() as cursor:
        cursor.execute("SELECT details FROM audit_auditevent")
        assert not any("Jansen" in str(row) or "Piet" in str(row) for row in cursor.fetchall())
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'changed'")


@pytest.mark.django_db(transaction=True)
def test_migration_moves_typed_reasons_out_of_the_events():
    """On the configured database: SQLite in ``make test`` without services, PostgreSQL in CI."""
    _moves_typed_reasons()
