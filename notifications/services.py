"""Queue e-mails through the transactional outbox."""

import base64
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from imvo_portal.tasks import enqueue_on_commit

from .models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str
    content: bytes


def email_queue(
    *,
    to: list[str] | str,
    template: str,
    context: dict,
    language: str | None = None,
    kind: str = "",
    dedupe_key: str | None = None,
    attachments: list[Attachment] | None = None,
) -> OutboxMessage | None:
    """Render ``<template>_subject.txt`` / ``_body.txt`` (and ``_body.html`` if present) in the
    recipient's language and queue it. Returns None if ``dedupe_key`` was used before.

    Must be called inside the transaction of the change the e-mail reports; the worker is
    asked to send it on commit.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    context = {"portal_url": settings.PORTAL_BASE_URL, "support_email": settings.SUPPORT_EMAIL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body_text = render_to_string(f"{template}_body.txt", context)
        try:
            body_html = render_to_string(f"{template}_body.html", context)
        except Exception:  # TemplateDoesNotExist: plain text only
            body_html = ""
    message = OutboxMessage(
        to=recipients,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        kind=kind,
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
    from .tasks import outbox_send

    enqueue_on_commit(outbox_send, message.pk)
    return message


def outbox_message_send(*, message_id: int) -> bool:
    """Send one queued e-mail unless it went out already. Returns True when sent now."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatus.PENDING)
            .first()
        )
        if message is None:
            return False
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=message.to,
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        for attachment in message.attachments:
            email.attach(attachment["filename"], base64.b64decode(attachment["content_b64"]), attachment["mimetype"])
        message.attempts += 1
        try:
            email.send()
        except Exception as exc:  # SMTP errors of every kind: keep it for the next flush
            message.last_error = str(exc)[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
            message.save(update_fields=["attempts", "last_error", "status"])
            return False
        message.status = OutboxStatus.SENT
        message.sent_at = timezone.now()
        message.save(update_fields=["attempts", "status", "sent_at"])
        return True
