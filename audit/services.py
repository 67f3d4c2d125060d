"""The one way to write the audit trail, and the one way to erase its personal part.

Every event is split in two (``audit.models``): the append-only ``AuditEvent`` (what happened, to
what, by ``user#<id>``) and, when there is any, its erasable ``AuditEventPersonal`` (the actor's
e-mail address, IP address, user agent and the personal fields of the details). The split of the
details is decided here, in ``details_split``, for every caller and for the migration that moved
the personal values out of events written before the split.
"""

import re
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core.addresses import normalise_email
from core.evidence_keys import current_chain_key
from core.net import client_ip, user_agent
from core.service_checks import internal

from .chain import (
    PERSONAL_ERASE_ACTION,
    audit_lock,
    event_hash,
    json_safe,
    legacy_digest,
    personal_hash,
    personal_verified,
)
from .models import AuditEvent, AuditEventPersonal

#: Detail keys whose values are personal data whatever they look like. ``reason_text`` and
#: ``explanation`` are what a person typed (a withdrawal, rejection or cancellation reason, a
#: "not endorsed" explanation): free text that may name anyone, so never in the append-only event.
PERSONAL_DETAIL_KEYS = frozenset(
    {
        "username",
        "email",
        "user_email",
        "full_name",
        "signatory_name",
        "ip",
        "ip_address",
        "user_agent",
        "reason_text",
        "explanation",
        "object_repr",  # an admin log entry's name of the object: often a person's name or address
    }
)
#: Personal detail keys that name the person an event is about by their address (first one set wins).
SUBJECT_EMAIL_KEYS = ("email", "username", "user_email")
# Anything that looks like an e-mail address, wherever it sits in a detail's value.
EMAIL_PATTERN = re.compile(r"[^@\s\"'<>,;:]+@[^@\s\"'<>,;:]+\.[^@\s\"'<>,;:]+")


@internal("Describes an actor for a trail entry; changes nothing.")
def actor_label(actor) -> str:
    """The pseudonymous name of an actor kept in the (append-only) trail: ``user#<id>``.

    Never the e-mail address, so erasing an account leaves no personal data in the trail; who the
    label was is read from the erasable personal part, or the user row, while they exist.
    """
    return f"user#{actor.pk}" if actor is not None else ""


def _mentions_email(value) -> bool:
    if isinstance(value, str):
        return bool(EMAIL_PATTERN.search(value))
    if isinstance(value, dict):
        return any(_mentions_email(k) or _mentions_email(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_mentions_email(v) for v in value)
    return False


def details_split(details: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``details`` as (kept in the append-only event, moved to the erasable personal part).

    A detail is personal when its key is in ``PERSONAL_DETAIL_KEYS`` or its value holds something
    that looks like an e-mail address anywhere (an SMTP error naming the recipient, say). Callers
    should name people by ``actor_label``; this is the safety net.
    """
    kept, personal = {}, {}
    for key, value in (details or {}).items():
        target = personal if key in PERSONAL_DETAIL_KEYS or _mentions_email(value) else kept
        target[key] = value
    return kept, personal


def subject_email_of(personal_details: dict[str, Any]) -> str:
    """The normalised address a personal part is about (``SUBJECT_EMAIL_KEYS``), or "".

    Stored in ``AuditEventPersonal.subject_email`` when the event is written, so a person's
    records are selected by their whole address, never by searching text for it.
    """
    for key in SUBJECT_EMAIL_KEYS:
        value = personal_details.get(key)
        if isinstance(value, str) and "@" in value:
            return normalise_email(value)[:254]
    return ""


@internal("Records who acted; the service that calls it checked that actor (audit lies below the permission layer).")
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
    """Append one audit event. Call it inside the transaction of the change it records.

    The actor's e-mail address, the client's IP address and user agent (from ``request``) and the
    personal details (``details_split``) go to the event's erasable personal part. An account that
    was deactivated or erased (``is_active`` false, as after ``privacy.services.account_delete``)
    gets none: what it still does (the logout right after its deletion) must not bring its data back.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if request is not None and ip_address is None:
        ip_address = client_ip(request)
    agent = user_agent(request) if request is not None else ""
    if organisation_id is None and obj is not None:
        organisation_id = getattr(obj, "organisation_id", None)
        if organisation_id is None and obj._meta.model_name == "organisation":
            organisation_id = obj.pk
    kept, personal_details = details_split(details)
    personal = None
    if actor is None or getattr(actor, "is_active", True) is not False:
        actor_email = getattr(actor, "email", "") if actor is not None else ""
        if actor_email or ip_address or agent or personal_details:
            ip_field = AuditEventPersonal._meta.get_field("ip_address")
            is_user = obj is not None and obj._meta.label_lower == settings.AUTH_USER_MODEL.lower()
            personal = AuditEventPersonal(
                actor_email=actor_email,
                ip_address=ip_field.get_prep_value(ip_address or None),
                user_agent=agent,
                details=json_safe(personal_details),
                salt=secrets.token_hex(16),
                subject_email=subject_email_of(personal_details),
                subject_user_id=obj.pk if is_user else None,
            )
    event = AuditEvent(
        actor=actor,
        actor_label=actor_label(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        organisation_id=organisation_id,
        details=json_safe(kept),
    )
    return _append(event, personal)


def _append(event: AuditEvent, personal: AuditEventPersonal | None) -> AuditEvent:
    """Chain ``event`` (and commit to ``personal``) under the audit lock, then insert both.

    Costs one advisory lock, one index read of the head and two HMACs per event.
    """
    key = current_chain_key()
    with transaction.atomic(savepoint=False):
        audit_lock()
        head = (
            AuditEvent.objects.filter(sequence__isnull=False)
            .order_by("-sequence")
            .values_list("sequence", "record_hash")
            .first()
        )
        event.sequence, event.previous_hash = (head[0] + 1, head[1]) if head else (1, legacy_digest()[1])
        event.key_id = key.key_id
        event.created_at = timezone.now()
        if personal is not None:
            event.personal_hash = personal_hash(
                key_id=key.key_id,
                event_sequence=event.sequence,
                salt=personal.salt,
                values={
                    "actor_email": personal.actor_email,
                    "ip_address": personal.ip_address,
                    "user_agent": personal.user_agent,
                    "details": personal.details,
                },
            )
        event.record_hash = event_hash(event)
        event.save(force_insert=True)
        if personal is not None:
            personal.event = event
            personal.save(force_insert=True)
    return event


def audit_personal_about(*, user, email: str = "") -> QuerySet[AuditEventPersonal]:
    """The personal parts of the audit trail about ``user``: events they did, events on their
    account, and those about their address ``email`` (failed logins at it).

    Exact identity only: the user by id, the address as a whole normalised value in the indexed
    ``subject_email`` (never a substring search, which would also select ``probe-a@x.nl`` for
    ``a@x.nl``). ``privacy`` uses this one selection both to export a user's data and to erase it.
    """
    about = (
        Q(event__actor=user)
        | Q(event__object_type=user._meta.label_lower, event__object_id=str(user.pk))
        | Q(subject_user_id=user.pk)
    )
    address = normalise_email(email)
    if address:
        about |= Q(subject_email=address)
    return AuditEventPersonal.objects.filter(about)


@internal("Erasure helper for retention (a command) and account deletion (privacy, which checks account.delete).")
def audit_personal_erase(*, rows: QuerySet[AuditEventPersonal], now: datetime | None = None, actor=None) -> int:
    """Empty the personal parts ``rows`` (kept, marked ``erased_at``); the events stay as they are.

    Appends the erasure event (``audit.personal_erase``) first and links every emptied part to it,
    in the same transaction: the database refuses an erasure without such an event (migration
    ``audit`` 0007 on PostgreSQL, ``audit/protection.py`` on SQLite), and verification names an
    erased part without one. Returns how many were erased now. Callers still record why
    (``privacy.retention_erase``, ``account.delete``). ``now`` is accepted for callers' clocks; the
    erasure time is the erasure event's time.
    """
    with transaction.atomic():
        pending = rows.filter(erased_at__isnull=True)
        ids = list(pending.values_list("pk", flat=True))
        if not ids:
            return 0
        event = audit_event_record(action=PERSONAL_ERASE_ACTION, actor=actor, details={"count": len(ids)})
        return AuditEventPersonal.objects.filter(pk__in=ids, erased_at__isnull=True).update(
            actor_email="",
            ip_address=None,
            user_agent="",
            details={},
            salt="",
            subject_email="",
            erased_at=event.created_at,
            erasure_event=event,
        )


def personal_part(event: AuditEvent) -> AuditEventPersonal | None:
    """The personal part of ``event`` (select_related ``personal`` to read many), or None.

    Unverified: for what readers show as fact use ``personal_part_verified``.
    """
    try:
        return event.personal
    except AuditEventPersonal.DoesNotExist:
        return None


def personal_part_verified(event: AuditEvent) -> AuditEventPersonal | None:
    """The personal part of ``event`` if it is erased or is what the event committed to, else None.

    A part changed after the fact (an updated ``actor_email``), added to an event without one, or
    written before the chain (nothing committed to it) is not returned: readers then show the
    pseudonymous label and mark it (``personal_unverified``).
    """
    personal = personal_part(event)
    if personal is None:
        return None
    if personal.is_erased:
        return personal
    return personal if personal_verified(event, personal) else None


def personal_unverified(event: AuditEvent) -> bool:
    """Whether ``event`` has a personal part that is not shown because it does not verify."""
    return personal_part(event) is not None and personal_part_verified(event) is None


def actor_display(event: AuditEvent) -> str:
    """Who did it, as readers of the trail see it: the address while known, else ``user#<id>``.

    The address comes only from a verified personal part (``personal_part_verified``), never from
    one that does not match its event's commitment.
    """
    if personal_unverified(event):
        return event.actor_label
    personal = personal_part(event)
    if personal is not None and personal.actor_email:
        return personal.actor_email
    actor = event.actor if event.actor_id else None
    if actor is not None and actor.is_active and (personal is None or not personal.is_erased):
        return actor.email
    return event.actor_label


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
