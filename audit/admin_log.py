"""Changes made in Django's admin go to the audit trail, like every other change.

Django writes a ``LogEntry`` for each addition, change and deletion in the admin, inside the
admin's transaction; for each, ``admin_entry_audit`` appends an ``admin.<kind>`` audit event in the
same transaction: the acting user, the object (type and id) and the change message (which fields
changed, never their values). The object's name (``object_repr``) may name a person, so it goes
to the event's erasable personal part.
"""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from .services import audit_event_record

KINDS = {ADDITION: "addition", CHANGE: "change", DELETION: "deletion"}


def _edited_object(entry: LogEntry):
    model = entry.content_type.model_class() if entry.content_type_id else None
    if model is None or entry.object_id in (None, ""):
        return None
    try:
        return model._default_manager.filter(pk=entry.object_id).first() or model(pk=entry.object_id)
    except (ValueError, TypeError):
        return None


def admin_entry_audit(sender, instance: LogEntry, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    audit_event_record(
        action=f"admin.{KINDS.get(instance.action_flag, 'unknown')}",
        actor=instance.user,
        obj=_edited_object(instance),
        details={
            "admin_log_id": instance.pk,
            "object_type": instance.content_type.model if instance.content_type_id else "",
            "object_id": instance.object_id or "",
            "change_message": instance.get_change_message(),
            "object_repr": instance.object_repr,
        },
    )
