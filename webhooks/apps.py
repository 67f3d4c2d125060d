from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from core import jobs

        from . import checks, receivers  # noqa: F401  (system checks; listens to the audit trail)
        from .models import WebhookDelivery
        from .services import webhook_delivery_retry

        jobs.register(
            "webhooks.delivery",
            WebhookDelivery,
            label=_("Webhook delivery"),
            retry=webhook_delivery_retry,
            # The event type and endpoint name only: never the URL (it may carry a receiver's token).
            describe=lambda delivery: f"{delivery.event.type} → {delivery.endpoint.name}",
            queryset=lambda qs: qs.select_related("event", "endpoint").defer("endpoint__secret"),
            policy="webhook.manage",
        )
