"""Queue e-mails through the transactional outbox and deliver them.

Delivery guarantees (``outbox_message_send``):

- Mail of a transaction that rolls back is never sent: ``email_queue`` writes the row inside the
  caller's transaction and the worker is only asked to send once it has committed.
- Mail of a committed transaction is not lost: the row stays pending or retrying until it is sent
  or given up, and beat's ``outbox_flush`` hands due rows to the worker again.
- At least once, not exactly once. A worker claims a row in one short transaction (status
  sending, a random lease token, a lease of ``LEASE`` and one more attempt: ``core.jobs.claim``), talks to the SMTP
  server outside any transaction and database lock, and marks the row sent in a second short
  transaction that only succeeds while its token is still on the row. Two workers never hold the
  same claim, so two copies of one task send once. But when the worker dies, or the database
  refuses the "sent" write, after the SMTP server accepted the message, the row stays in sending;
  once its lease has run out the flush sends it again. Each such crash adds at most one copy.
  The same holds when the connection times out after the server received the whole message:
  SMTP itself cannot tell us whether it was accepted.
"""

import base64
import html
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from audit.services import audit_event_record
from core import jobs
from core.service_checks import internal
from core.tasks import enqueue, enqueue_on_commit

from .exceptions import MessageNotResendable, SecretLinkNotResendable
from .models import REDACTED_BODY, OutboxMessage, OutboxStatus
from .retry import error_is_permanent, error_summary, retry_delay

logger = logging.getLogger(__name__)

# A claim outlives the send task's hard time limit (see tasks.py), so a live worker keeps its claim.
LEASE = timedelta(minutes=5)
# Django's SMTP backend waits forever when EMAIL_TIMEOUT is unset; a send must end within its lease.
SMTP_TIMEOUT_SECONDS = 30
# Subjects and text parts render without HTML autoescaping (a name "O'Brien & <Zn>" arrives as typed);
# the optional HTML part through the escaping engine (settings.TEMPLATES).
TEXT_ENGINE = "text"
HTML_ENGINE = "django"
# How many due messages one flush hands to the worker.
FLUSH_BATCH = 500


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str
    content: bytes


@dataclass(frozen=True)
class SecretValue:
    """A context value computed only when the e-mail is sent, never stored in the outbox: the
    name of a resolver registered with ``secret_resolver_register`` and the id it takes."""

    resolver: str
    object_id: int


_SECRET_RESOLVERS: dict[str, Callable[[int], str]] = {}


def secret_resolver_register(name: str, resolver: Callable[[int], str]) -> None:
    """Register how a secret value is computed at send time (a higher app registers it in its
    ``AppConfig.ready``; this app never imports it). The resolver gets the object id and returns
    the text; it raises when the object is gone, which fails the attempt like an SMTP error."""
    _SECRET_RESOLVERS[name] = resolver


def _secret_placeholder() -> str:
    """Letters and digits only (unchanged by HTML escaping and URL encoding), unguessable, so that
    text typed by a user can never be mistaken for it."""
    return "imvosecret" + secrets.token_hex(16)


def _secrets_fill(message: OutboxMessage) -> tuple[str, str, str]:
    """The subject and bodies with every placeholder replaced by its value, computed now."""
    subject, body_text, body_html = message.subject, message.body_text, message.body_html
    for placeholder, (name, object_id) in (message.secret_values or {}).items():
        value = _SECRET_RESOLVERS[name](object_id)
        subject = subject.replace(placeholder, value)
        body_text = body_text.replace(placeholder, value)
        body_html = body_html.replace(placeholder, html.escape(value))
    return subject, body_text, body_html


def email_queue(
    *,
    to: list[str] | str,
    template: str,
    context: dict,
    language: str | None = None,
    kind: str = "",
    dedupe_key: str | None = None,
    attachments: list[Attachment] | None = None,
    contains_secret: bool = False,
    secret_context: dict[str, SecretValue] | None = None,
) -> OutboxMessage | None:
    """Render ``<template>_subject.txt`` / ``_body.txt`` (plain text, not HTML-escaped) and
    ``_body.html`` if present (escaped) in the recipient's language and queue it. Returns None if
    ``dedupe_key`` was used before.

    Must be called inside the transaction of the change the e-mail reports; the worker is
    asked to send it on commit. A template that exists but does not render raises.
    ``contains_secret`` marks a message with a confirmation or reset link: its bodies are erased
    once it is sent, the admin never shows them, and it cannot be resent after sending.
    ``secret_context`` names context values that must never be stored (a verification code): the
    templates render a random placeholder for each, and the value is computed and filled in only
    in the e-mail handed to the mail server, on every attempt (``_secrets_fill``).
    """
    recipients = [to] if isinstance(to, str) else list(to)
    placeholders = {key: _secret_placeholder() for key in secret_context or {}}
    context = {
        "portal_url": settings.PORTAL_BASE_URL,
        "support_email": settings.SUPPORT_EMAIL,
        **context,
        **placeholders,
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context, using=TEXT_ENGINE).split())
        body_text = render_to_string(f"{template}_body.txt", context, using=TEXT_ENGINE)
        try:
            html_template = get_template(f"{template}_body.html", using=HTML_ENGINE)
        except TemplateDoesNotExist:  # the HTML part is optional; only its absence is
            html_template = None
        body_html = html_template.render(context) if html_template is not None else ""
    message = OutboxMessage(
        to=recipients,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        kind=kind,
        contains_secret=contains_secret,
        secret_values={
            placeholders[key]: [value.resolver, value.object_id] for key, value in (secret_context or {}).items()
        },
        dedupe_key=dedupe_key,
        attachments=[
            {"filename": a.filename, "mimetype": a.mimetype, "content_b64": base64.b64encode(a.content).decode()}
            for a in attachments or []
        ],
    )
    if dedupe_key:
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            return None
    else:
        message.save()
    _enqueue_send_on_commit(message.pk)
    return message


def _enqueue_send_on_commit(message_id: int) -> None:
    from .tasks import outbox_send  # tasks import these services: a real cycle

    enqueue_on_commit(outbox_send, message_id)


def _claim(message_id: int, token: str) -> OutboxMessage | None:
    """Take the message for this worker (``core.jobs.claim``), or None when it is not ours to send.

    A message whose workers died on every one of its attempts is failed there (logged at ERROR by
    ``core.jobs``), not claimed forever.
    """
    return jobs.claim(
        OutboxMessage, pk=message_id, token=token, lease_seconds=LEASE.total_seconds(), last_attempt_at=timezone.now()
    )


def _email(message: OutboxMessage) -> EmailMultiAlternatives:
    subject, body_text, body_html = _secrets_fill(message)
    email = EmailMultiAlternatives(
        subject=subject,
        body=body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=message.to,
    )
    if body_html:
        email.attach_alternative(body_html, "text/html")
    for attachment in message.attachments:
        email.attach(attachment["filename"], base64.b64decode(attachment["content_b64"]), attachment["mimetype"])
    return email


def _deliver(email: EmailMultiAlternatives) -> None:
    """Hand the message to the mail server; raise on any error before the server accepted it.

    The connection is opened and closed here so that an error while saying goodbye (QUIT) after
    the server accepted the message does not count as a failed delivery.
    """
    connection = get_connection()
    if getattr(connection, "timeout", False) is None:
        connection.timeout = SMTP_TIMEOUT_SECONDS
    connection.open()
    try:
        connection.send_messages([email])
    finally:
        try:
            connection.close()
        except Exception as exc:  # the message was handed over already (or the error above is the one to report)
            logger.warning("Closing the mail connection failed: %s", error_summary(exc))


def _mark_sent(message: OutboxMessage, token: str) -> bool:
    """Mark our claim sent; a message with a secret link loses its bodies in the same statement."""

    def unless_secret(field: str, redacted: str):
        return Case(When(contains_secret=True, then=Value(redacted)), default=F(field), output_field=models.TextField())

    return jobs.complete(
        message,
        token,
        sent_at=timezone.now(),
        body_text=unless_secret("body_text", REDACTED_BODY),
        body_html=unless_secret("body_html", ""),
    )


def _mark_failed_attempt(message: OutboxMessage, token: str, exc: Exception) -> str | None:
    """Record a failed attempt: retrying after the backoff, or failed when it is final. Returns the
    status, or None when the claim had been taken over."""
    summary = error_summary(exc)
    permanent = error_is_permanent(exc)
    status = jobs.fail(message, token, summary, permanent=permanent, retry_in=retry_delay(message.attempts))
    if status is None:
        logger.warning("E-mail %s: attempt failed (%s) after its claim was taken over", message.pk, summary)
    elif status == OutboxStatus.FAILED:
        reason = "permanent error" if permanent else f"{message.attempts} attempts"
        logger.error("E-mail %s (%s) given up (%s): %s", message.pk, message.kind or "-", reason, summary)
    else:
        logger.warning("E-mail %s attempt %s failed, retrying: %s", message.pk, message.attempts, summary)
    return status


def outbox_message_send(*, message_id: int) -> bool:
    """Send one queued e-mail if it is due and not sent or being sent. Returns True when sent now.

    Claim (short transaction) → SMTP outside any transaction → mark sent (short transaction, only
    with our claim token). Transient errors schedule the next attempt with backoff, permanent ones
    and the last attempt fail the message (logged at ERROR). See the module docstring for what is
    guaranteed. Only the claimed (unsent) row's bodies are read, so bodies of sent mail may be cleared.
    """
    token = uuid.uuid4().hex
    message = _claim(message_id, token)
    if message is None:
        return False
    try:
        _deliver(_email(message))  # secret values are computed here, in memory only
    except Exception as exc:  # every way a delivery can fail is recorded on the row and retried or failed
        _mark_failed_attempt(message, token, exc)
        return False
    try:
        marked = _mark_sent(message, token)
    except DatabaseError:
        logger.error("E-mail %s was sent but not marked sent; it goes out again once its lease runs out", message_id)
        raise
    if not marked:
        # Our lease ran out while the server was slow and another worker took the message over.
        logger.warning("E-mail %s was sent after its claim had been taken over; it may arrive twice", message_id)
    return True


def outbox_due_ids(*, pending_grace: timedelta = timedelta(seconds=30), limit: int = FLUSH_BATCH) -> list[int]:
    """Messages the worker should try now, oldest first.

    Pending rows get ``pending_grace`` for their on-commit task to arrive before beat sends them too.
    """
    now = timezone.now()
    due = jobs.claimable(OutboxMessage, now) & ~Q(status=OutboxStatus.PENDING, next_attempt_at__gt=now - pending_grace)
    ids = OutboxMessage.objects.filter(due).order_by("next_attempt_at", "pk").values_list("pk", flat=True)
    return list(ids[:limit])


def outbox_flush(*, pending_grace: timedelta = timedelta(seconds=30)) -> int:
    """Hand every due message to the worker (one task each). Returns how many were queued.

    The claim makes a message queued twice (by its on-commit task and by a flush) go out once.
    """
    from .tasks import outbox_send

    return sum(bool(enqueue(outbox_send, pk)) for pk in outbox_due_ids(pending_grace=pending_grace))


@internal(
    "Below the permission layer: staff.services.mail.mail_resend checks mail.manage first; the admin is operators only."
)
def outbox_resend(*, message: OutboxMessage, actor, request=None) -> OutboxMessage:
    """Send a failed, retrying or stuck e-mail again now.

    In one transaction: the message goes back to pending with a fresh set of attempts, an audit
    event ``mail.resend`` is recorded, and the worker is asked to send it on commit. Refused for
    mail that was sent or is being sent under a live claim (``MessageNotResendable``).

    Who may do this is not decided here: the permission layer (``organisations.policies``) lies
    above this app. ``staff.mail.mail_resend`` checks the ``mail.manage`` policy and then calls
    this; the Django admin (operators only) calls it directly.
    """
    now = timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        live_claim = (
            message.status == OutboxStatus.SENDING and message.lease_expires_at and message.lease_expires_at >= now
        )
        if message.status == OutboxStatus.SENT and message.contains_secret:
            raise SecretLinkNotResendable()
        if message.status == OutboxStatus.SENT or live_claim:
            raise MessageNotResendable()
        details = {
            "kind": message.kind,
            "previous_status": message.status,
            "previous_attempts": message.attempts,
            "previous_error": message.last_error[:300],
        }
        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = now
        message.lease_token = ""
        message.lease_expires_at = None
        message.finished_at = None
        message.save(
            update_fields=["status", "attempts", "next_attempt_at", "lease_token", "lease_expires_at", "finished_at"]
        )
        audit_event_record(action="mail.resend", actor=actor, obj=message, request=request, details=details)
        _enqueue_send_on_commit(message.pk)
    return message
