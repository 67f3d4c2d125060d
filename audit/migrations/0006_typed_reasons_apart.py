"""Typed reasons out of the append-only audit trail, into the erasable personal part (issue 23).

Events written before ``reason_text`` existed kept the reason a person typed for a withdrawal, a
rejection or a cancellation under ``reason`` in the append-only details. For those actions only
(elsewhere ``reason`` is a code such as ``bad_password``), the text moves to the event's personal
part as ``reason_text``, where retention and account deletion erase it, as new events have it.

The same one allowed path as migration 0003: as the owner role, the append-only trigger switched
off and on again inside this migration's own transaction.
"""

import importlib
import json

from django.db import migrations

BATCH = 2000
#: Actions whose ``reason`` detail was typed free text.
TYPED_REASON_ACTIONS = ("registration.withdraw", "registration.reject", "registration.cancel", "mission.cancel")

_apart = importlib.import_module("audit.migrations.0003_personal_data_apart")


def typed_reasons_move(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditEventPersonal = apps.get_model("audit", "AuditEventPersonal")
    connection = schema_editor.connection
    events = AuditEvent.objects.filter(action__in=TYPED_REASON_ACTIONS, details__has_key="reason")
    if not events.exists():
        return
    _apart._trigger_off(connection)
    last = 0
    while True:
        batch = list(events.filter(pk__gt=last).order_by("pk").values("pk", "actor_label", "details")[:BATCH])
        if not batch:
            break
        last = batch[-1]["pk"]
        existing = {p.pk: p for p in AuditEventPersonal.objects.filter(pk__in=[e["pk"] for e in batch])}
        rewrites, created, updated = [], [], []
        for event in batch:
            details = dict(event["details"])
            reason = details.pop("reason")
            rewrites.append((event["pk"], event["actor_label"], json.dumps(details)))
            personal = existing.get(event["pk"])
            if personal is None:
                created.append(AuditEventPersonal(event_id=event["pk"], details={"reason_text": reason}))
            elif personal.erased_at is None:
                personal.details = {**(personal.details or {}), "reason_text": reason}
                updated.append(personal)
            # An erased personal part stays erased: the reason is dropped with the rewrite.
        _apart._events_rewrite(connection, rewrites)
        AuditEventPersonal.objects.bulk_create(created)
        AuditEventPersonal.objects.bulk_update(updated, ["details"])
    _apart._trigger_on(connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_personal_subject_exact")]

    operations = [migrations.RunPython(typed_reasons_move, migrations.RunPython.noop, elidable=True)]
