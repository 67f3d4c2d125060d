"""System checks of the webhook settings: one attempt must end well within a worker's claim."""

from django.conf import settings
from django.core.checks import Error, register

from .tasks import DELIVER_SOFT_TIME_LIMIT, DELIVER_TIME_LIMIT


@register()
def webhook_timing_check(app_configs=None, **kwargs):
    errors = []
    timeout, lease = settings.WEBHOOK_TIMEOUT_SECONDS, settings.WEBHOOK_LEASE_SECONDS
    if not 0 < timeout < DELIVER_SOFT_TIME_LIMIT:
        errors.append(
            Error(
                f"WEBHOOK_TIMEOUT_SECONDS must be above 0 and below {DELIVER_SOFT_TIME_LIMIT} (the delivery "
                "task's time limit).",
                id="webhooks.E001",
            )
        )
    if lease <= DELIVER_TIME_LIMIT:
        errors.append(
            Error(
                f"WEBHOOK_LEASE_SECONDS must exceed {DELIVER_TIME_LIMIT} (the delivery task's hard time "
                "limit), or a live worker could lose its claim to another.",
                id="webhooks.E002",
            )
        )
    if settings.WEBHOOK_MAX_ATTEMPTS < 1:
        errors.append(Error("WEBHOOK_MAX_ATTEMPTS must be at least 1.", id="webhooks.E003"))
    return errors
