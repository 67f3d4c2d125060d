"""Writes of the webhooks app: endpoints (staff), events made from the audit trail, deliveries.

How events arise without the domain knowing this app: the domain's services write audit events
(``audit.services.audit_event_record``) in the transaction of each change; ``receivers`` asks for a
collection once such a transaction has committed, and beat asks every minute as a safety net.
``webhook_events_collect`` reads the audit trail from its cursor, in sequence order, and turns the
actions of ``constants.AUDIT_ACTIONS`` into one ``WebhookEvent`` each and one ``WebhookDelivery`` per
subscribed active endpoint, in one transaction. On PostgreSQL audit sequences are handed out under
a transaction-wide lock, so they become visible in order and the cursor never skips one.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_event_record
from core import jobs
from core.net import address_is_public
from core.tasks import enqueue, enqueue_on_commit
from missions.models import Registration
from organisations.policies import require

from . import transport
from .constants import AUDIT_ACTIONS, DATA_DETAILS, SIGNATURE_HEADER, EventType
from .exceptions import DeliveryNotResendable, EndpointInvalid
from .models import WebhookCursor, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .signing import secret_new, signature_header

logger = logging.getLogger(__name__)

COLLECT_BATCH = 500
USER_AGENT = "IMVO-portal-webhooks/1"


# --- endpoints (RVO staff) -------------------------------------------------------------------------


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def endpoint_url_validate(url: str) -> None:
    """HTTPS only, no credentials in the URL, no literal non-public address or ``localhost``.

    A name is checked again when each delivery is sent (``transport``): what it resolves to then
    is what counts, so this is the early, clear message for the obvious cases only.
    """
    try:
        host, _port, _path = transport.url_check(url)
    except transport.DeliveryRefused as exc:
        messages = {
            "only https:// URLs are allowed": _("The URL must start with https://."),
            "credentials in the URL are not allowed": _("The URL may not contain a user name or password."),
        }
        raise EndpointInvalid(messages.get(str(exc), _("The URL is not valid."))) from exc
    host = host.strip("[]").rstrip(".").lower()
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    local = host == "localhost" or host.endswith(".localhost") or (literal is not None and not address_is_public(host))
    if local and host not in settings.WEBHOOK_TEST_ALLOWED_ADDRESSES:
        raise EndpointInvalid(_("The URL must point to an address on the public internet, not a private network."))


def _event_types_validate(event_types: list[str]) -> list[str]:
    chosen = [t for t in EventType.values if t in set(event_types)]
    if not chosen or len(chosen) != len(set(event_types)):
        raise EndpointInvalid(_("Choose at least one event type."), field="event_types")
    return chosen


def webhook_cursor_ensure() -> WebhookCursor:
    """The collector's cursor; made at the audit trail's head, so history is never replayed."""
    cursor = WebhookCursor.objects.first()
    if cursor is None:
        head = AuditEvent.objects.aggregate(head=Max("sequence"))["head"] or 0
        cursor = WebhookCursor.objects.create(audit_sequence=head)
    return cursor


def webhook_endpoint_create(
    *, actor, name: str, url: str, event_types: list[str], request=None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (show it to the actor once).

    Staff only (``webhook.manage``). Audited (``webhook.endpoint_create``: host and event types,
    never the URL's path or query, which may carry a receiver's token, nor the secret). The
    endpoint receives events that happen from now on.
    """
    require(actor, "webhook.manage")
    endpoint_url_validate(url)
    secret = secret_new()
    endpoint = WebhookEndpoint(
        name=name.strip(), url=url.strip(), event_types=_event_types_validate(event_types), secret=secret
    )
    endpoint.created_by = actor
    endpoint.full_clean()
    with transaction.atomic():
        endpoint.save()
        webhook_cursor_ensure()
        audit_event_record(
            action="webhook.endpoint_create",
            actor=actor,
            obj=endpoint,
            request=request,
            details={"host": _host(endpoint.url), "event_types": endpoint.event_types},
        )
    return endpoint, secret


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, actor, name: str, url: str, event_types: list[str], is_active: bool, request=None
) -> WebhookEndpoint:
    """Change an endpoint (name, URL, event types, enabled). Staff only; audited with what changed."""
    require(actor, "webhook.manage")
    endpoint_url_validate(url)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = {
            "name": endpoint.name,
            "url": endpoint.url,
            "event_types": endpoint.event_types,
            "active": endpoint.is_active,
        }
        endpoint.name, endpoint.url = name.strip(), url.strip()
        endpoint.event_types = _event_types_validate(event_types)
        endpoint.is_active = is_active
        endpoint.full_clean()
        endpoint.save()
        after = {
            "name": endpoint.name,
            "url": endpoint.url,
            "event_types": endpoint.event_types,
            "active": endpoint.is_active,
        }
        changed = sorted(k for k in before if before[k] != after[k])
        audit_event_record(
            action="webhook.endpoint_update",
            actor=actor,
            obj=endpoint,
            request=request,
            details={
                "changed": changed,
                "host": _host(endpoint.url),
                "event_types": endpoint.event_types,
                "active": endpoint.is_active,
            },
        )
    return endpoint


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, actor, request=None) -> WebhookEndpoint:
    """Stop sending to an endpoint (deliveries not yet sent fail at their next attempt). Audited."""
    require(actor, "webhook.manage")
    with transaction.atomic():
        updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(is_active=False)
        if updated:
            audit_event_record(action="webhook.endpoint_disable", actor=actor, obj=endpoint, request=request)
    endpoint.refresh_from_db()
    return endpoint


def webhook_endpoint_secret_rotate(*, endpoint: WebhookEndpoint, actor, request=None) -> str:
    """A new signing secret (returned once; the old one stops working at once). Audited."""
    require(actor, "webhook.manage")
    secret = secret_new()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret)
        audit_event_record(action="webhook.secret_rotate", actor=actor, obj=endpoint, request=request)
    return secret


# --- events from the audit trail -------------------------------------------------------------------


def _event_data(event_type: str, audit: dict, registrations: dict[int, dict]) -> dict:
    """The event's data: identifiers and facts from an allow-list, never a name, address or text."""
    details = audit["details"] or {}
    data: dict = {key: details[key] for key in DATA_DETAILS.get(event_type, ()) if key in details}
    if event_type.startswith("registration."):
        registration = registrations.get(int(audit["object_id"])) if audit["object_id"].isdigit() else None
        data["registration_id"] = int(audit["object_id"]) if audit["object_id"].isdigit() else None
        data["organisation_id"] = audit["organisation_id"]
        if registration is not None:
            data["mission"] = {"id": registration["mission_id"], "slug": registration["mission__slug"]}
    elif event_type == EventType.DECLARATION_SIGNED:
        data["declaration_id"] = int(audit["object_id"]) if audit["object_id"].isdigit() else None
        data["organisation_id"] = audit["organisation_id"]
        data["decision"] = audit["action"].split(".", 1)[1]
    return data


def webhook_events_collect(*, limit: int = COLLECT_BATCH) -> int:
    """Turn new audit events into webhook events and deliveries; returns how many deliveries were made.

    Idempotent and safe to run concurrently (the cursor row is locked; one event per audit
    sequence). An endpoint receives events that happened after it was created and while it is
    active. Deliveries are queued once the transaction has committed.
    """
    with transaction.atomic():
        webhook_cursor_ensure()
        cursor = WebhookCursor.objects.select_for_update().order_by("pk").first()
        head = AuditEvent.objects.aggregate(head=Max("sequence"))["head"] or 0
        rows = list(
            AuditEvent.objects.filter(sequence__gt=cursor.audit_sequence, action__in=AUDIT_ACTIONS)
            .order_by("sequence")
            .values("sequence", "action", "object_id", "organisation_id", "created_at", "details")[:limit]
        )
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True).only("pk", "event_types", "created_at"))
        registration_ids = {
            int(r["object_id"]) for r in rows if r["action"].startswith("registration.") and r["object_id"].isdigit()
        }
        registrations = {
            r["pk"]: r
            for r in Registration.objects.filter(pk__in=registration_ids).values("pk", "mission_id", "mission__slug")
        }
        # Already made (only if a cursor was ever set back): the unique audit sequence says so.
        done = set(
            WebhookEvent.objects.filter(audit_sequence__in=[r["sequence"] for r in rows]).values_list(
                "audit_sequence", flat=True
            )
        )
        events, deliveries = [], []
        for row in rows:
            event_type = AUDIT_ACTIONS[row["action"]]
            subscribers = [e for e in endpoints if event_type in e.event_types and e.created_at <= row["created_at"]]
            if not subscribers or row["sequence"] in done:
                continue
            event = WebhookEvent(
                audit_sequence=row["sequence"],
                type=event_type,
                occurred_at=row["created_at"],
                data=_event_data(event_type, row, registrations),
            )
            events.append(event)
            deliveries += [WebhookDelivery(endpoint_id=endpoint.pk, event=event) for endpoint in subscribers]
        # A constant number of queries per batch, whatever its size (the event ids are made here).
        WebhookEvent.objects.bulk_create(events, batch_size=COLLECT_BATCH)
        made = [d.pk for d in WebhookDelivery.objects.bulk_create(deliveries, batch_size=COLLECT_BATCH)]
        if len(rows) == limit:
            cursor.audit_sequence = rows[-1]["sequence"]
        else:
            cursor.audit_sequence = max(head, rows[-1]["sequence"] if rows else 0, cursor.audit_sequence)
        cursor.save(update_fields=["audit_sequence"])
        from .tasks import webhook_deliver

        for pk in made:
            enqueue_on_commit(webhook_deliver, pk)
    return len(made)


# --- deliveries ------------------------------------------------------------------------------------


def event_body(event: WebhookEvent) -> bytes:
    """The JSON body of an event, the same bytes at every attempt and to every endpoint."""
    document = {
        "id": str(event.id),
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def webhook_delivery_send(*, delivery_id: int) -> str | None:
    """One attempt at a delivery; returns its new status, or None when it was not ours to send
    (done, not due, claimed by another worker).

    Claimed with a lease (``core.jobs``); a 2xx answer completes it; any other answer, a timeout or
    a network or TLS error is retried with backoff until ``WEBHOOK_MAX_ATTEMPTS``; a URL that is
    not HTTPS or resolves to a non-public address, or a disabled endpoint, fails at once. Signed
    afresh at each attempt (the timestamp is part of the signature).
    """
    source = WebhookDelivery.objects.select_related("endpoint", "event")
    delivery = jobs.claim(source, lease_seconds=settings.WEBHOOK_LEASE_SECONDS, pk=delivery_id)
    if delivery is None:
        return None
    token = delivery.lease_token
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return jobs.fail(delivery, token, "The endpoint is disabled.", permanent=True)
    body = event_body(delivery.event)
    headers = {
        SIGNATURE_HEADER: signature_header(endpoint.secret, body),
        "Webhook-Id": str(delivery.event.id),
        "Webhook-Event": delivery.event.type,
        "User-Agent": USER_AGENT,
    }
    try:
        answer = transport.post(endpoint.url, body, headers)
    except transport.DeliveryRefused as exc:
        logger.warning("Webhook delivery %s refused: %s", delivery.pk, exc)
        return jobs.fail(delivery, token, f"Refused: {exc}", permanent=True, response_status=None)
    except OSError as exc:  # connect or read timeout, refused connection, TLS failure
        return jobs.fail(delivery, token, f"{exc.__class__.__name__}: {exc}", response_status=None)
    if 200 <= answer.status < 300:
        return jobs.JobStatus.DONE if jobs.complete(delivery, token, response_status=answer.status) else None
    return jobs.fail(delivery, token, f"HTTP {answer.status}: {answer.excerpt}", response_status=answer.status)


def webhook_delivery_resend(*, delivery: WebhookDelivery, actor, request=None) -> WebhookDelivery:
    """Send a delivery's event to its endpoint again (same event id, signed afresh).

    A failed delivery is put back in the queue with fresh attempts (``core.jobs.reset``); a
    delivered one gets a new delivery beside it (the receiver lost it, say), so the record of the
    first stays as it was. Staff only; audited (``webhook.delivery_resend``); not while the
    delivery is still under way. Returns the delivery that will be sent.
    """
    require(actor, "webhook.manage")
    states = WebhookDelivery.job_statuses
    from .tasks import webhook_deliver

    with transaction.atomic():
        if delivery.status == states.failed and jobs.reset(delivery):
            again = delivery
        elif delivery.status == states.done:
            again = WebhookDelivery.objects.create(
                endpoint=delivery.endpoint, event=delivery.event, resent_from=delivery
            )
        else:
            raise DeliveryNotResendable()
        audit_event_record(
            action="webhook.delivery_resend",
            actor=actor,
            obj=again,
            request=request,
            details={
                "delivery": delivery.pk,
                "endpoint": delivery.endpoint_id,
                "event": str(delivery.event_id),
                "how": "requeued" if again.pk == delivery.pk else "new delivery",
            },
        )
        enqueue_on_commit(webhook_deliver, again.pk)
    again.refresh_from_db()
    return again


def webhook_delivery_retry(*, job: WebhookDelivery, actor, request=None) -> WebhookDelivery:
    """Staff's retry of a failed delivery from the jobs page (``core.jobs`` registry)."""
    require(actor, "webhook.manage")
    return webhook_delivery_resend(delivery=job, actor=actor, request=request)


def webhooks_dispatch() -> int:
    """Beat, every minute: collect new events, free deliveries whose worker died and queue the due ones."""
    webhook_events_collect()
    jobs.reclaim_expired(WebhookDelivery)
    from .tasks import webhook_deliver

    return sum(bool(enqueue(webhook_deliver, pk)) for pk in jobs.due_ids(WebhookDelivery, limit=COLLECT_BATCH))
