"""Webhook endpoints registered by RVO staff, the events the portal sends them, and each delivery."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.jobs import LeasedJob

from .constants import EventType


class WebhookEndpoint(models.Model):
    """An HTTPS URL of a system around the portal that receives the events it subscribes to.

    The signing secret is shown to staff once, when the endpoint is made; the portal keeps it to
    sign every delivery (HMAC-SHA256, ``signing``).
    """

    name = models.CharField(_("name"), max_length=100, help_text=_("Who receives this, e.g. “RVO case system”."))
    url = models.URLField(_("URL"), max_length=500, help_text=_("An https:// address on the public internet."))
    event_types = models.JSONField(_("event types"), default=list, help_text=_("The events sent to this endpoint."))
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Disabled endpoints receive nothing."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def event_type_labels(self) -> list[str]:
        labels = dict(EventType.choices)
        return [str(labels.get(t, t)) for t in self.event_types]


class WebhookEvent(models.Model):
    """One event as sent (the same id and body to every endpoint), made from one audit event."""

    id = models.UUIDField(_("event id"), primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    audit_sequence = models.PositiveBigIntegerField(
        _("audit sequence"), unique=True, help_text=_("The audit event it was made from (one event per audit event).")
    )
    data = models.JSONField(_("data"), default=dict, help_text=_("Identifiers and facts only; never personal data."))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookCursor(models.Model):
    """How far the collector has read the audit trail (one row)."""

    audit_sequence = models.PositiveBigIntegerField(_("audit sequence"), default=0)

    class Meta:
        verbose_name = _("webhook cursor")
        verbose_name_plural = _("webhook cursors")

    def __str__(self) -> str:
        return str(self.audit_sequence)


class WebhookDelivery(LeasedJob):
    """One event to one endpoint: a leased job (``core.jobs``) retried with backoff until the
    receiver answers 2xx or the attempts run out. A re-send by staff is a new delivery."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.ForeignKey(
        WebhookEvent, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("event")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    response_status = models.PositiveSmallIntegerField(
        _("last response status"), null=True, blank=True, help_text=_("The receiver's HTTP status at the last attempt.")
    )
    resent_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("re-send of")
    )

    job_max_attempts: ClassVar[int] = settings.WEBHOOK_MAX_ATTEMPTS

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint")]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint.name}"
