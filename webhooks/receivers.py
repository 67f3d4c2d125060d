"""Listens to the audit trail (the domain's record of every change) for webhook-worthy events.

A Django ``post_save`` of ``audit.AuditEvent`` is the extension point: the domain's services
already write these events and never import this app. Nothing is done inside the domain's
transaction; once it has committed, a collection is queued (``services.webhook_events_collect``,
which also runs from beat, so a lost message only delays events).
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from audit.models import AuditEvent
from core.tasks import enqueue

from .constants import AUDIT_ACTIONS


@receiver(post_save, sender=AuditEvent, dispatch_uid="webhooks.audit_event_saved")
def audit_event_saved(sender, instance: AuditEvent, created: bool, **kwargs) -> None:
    if created and instance.action in AUDIT_ACTIONS:
        from .tasks import webhook_events_collect

        transaction.on_commit(lambda: enqueue(webhook_events_collect), robust=True)
