"""The one way to write the audit trail."""

from typing import Any

from django.db import models
from django.http import HttpRequest

from imvo_portal.net import client_ip

from .models import AuditEvent


def actor_label(actor) -> str:
    """The pseudonymous name of an actor kept in the (append-only) trail: ``user#<id>``.

    Never the e-mail address, so erasing an account leaves no personal data in the trail; who the
    label was is read from the (erasable) user row while it still exists.
    """
    return f"user#{actor.pk}" if actor is not None else ""


def audit_event_record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    organisation_id: int | None = None,
    request: HttpRequest | None = None,
    ip_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the change it records."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if request is not None and ip_address is None:
        ip_address = client_ip(request)
    if organisation_id is None and obj is not None:
        organisation_id = getattr(obj, "organisation_id", None)
        if organisation_id is None and obj._meta.model_name == "organisation":
            organisation_id = obj.pk
    return AuditEvent.objects.create(
        actor=actor,
        actor_email=actor_label(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        organisation_id=organisation_id,
        ip_address=ip_address,
        details=details or {},
    )


def audit_value(value) -> str:
    """How a field value is written in an audit diff: related objects by id, None as empty."""
    if hasattr(value, "pk"):
        return str(value.pk)
    return "" if value is None else str(value)


def changes_apply(*, obj: models.Model, data: dict[str, Any], fields) -> dict[str, list[str]]:
    """Set those of ``fields`` that ``data`` changes on ``obj``; return the diff for the audit record.

    The diff maps each changed field to ``[before, after]`` as written by ``audit_value``.
    """
    changed = {}
    for field in fields:
        if field in data and getattr(obj, field) != data[field]:
            changed[field] = [audit_value(getattr(obj, field)), audit_value(data[field])]
            setattr(obj, field, data[field])
    return changed
