"""Changes made in Django's admin go to the audit trail, like every other change.

Django writes a ``LogEntry`` for each addition, change and deletion in the admin, inside the
admin's transaction; for each, ``admin_entry_audit`` appends an ``admin.<kind>`` audit event in the
same transaction: the acting user, the object (type and id) and the change message (which fields
changed, never their values, as Django stores it: in no language). One entry is caught by
``post_save``; several at once (a bulk delete) are bulk-created, which sends no signal, hence
``log_actions_audited``. The object's name (``object_repr``) may name a person, so it goes to the
event's erasable personal part.
"""

from __future__ import annotations

import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager

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


def _change_message(entry: LogEntry):
    """The entry's change message as Django stores it (structured, in no language), or its text."""
    try:
        return json.loads(entry.change_message) if entry.change_message else []
    except ValueError:
        return entry.change_message


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
            "change_message": _change_message(instance),
            "object_repr": instance.object_repr,
        },
    )


_log_actions = LogEntryManager.log_actions


def log_actions_audited(self, user_id, queryset, action_flag, change_message="", *, single_object=False):
    """``LogEntryManager.log_actions``, auditing the entries it bulk-creates (one entry: post_save)."""
    result = _log_actions(self, user_id, queryset, action_flag, change_message, single_object=single_object)
    entries = [result] if isinstance(result, LogEntry) else list(result or [])
    if len(entries) > 1:
        for entry in entries:
            admin_entry_audit(LogEntry, entry, created=True)
    return result


def admin_log_audit_connect() -> None:
    """Every admin log entry, single or bulk, becomes an audit event (audit.apps)."""
    from django.db.models.signals import post_save

    post_save.connect(admin_entry_audit, sender=LogEntry, dispatch_uid="audit_admin_log_entry")
    LogEntryManager.log_actions = log_actions_audited
