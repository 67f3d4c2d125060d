from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from core import jobs

        from .models import OutboxMessage
        from .services import outbox_resend

        jobs.register(
            "notifications.outbox",
            OutboxMessage,
            label=_("E-mail"),
            retry=lambda *, job, actor, request=None: outbox_resend(message=job, actor=actor, request=request),
            # The subject and kind only: the bodies may hold personal links and are never shown.
            describe=lambda message: f"{message.subject} ({message.kind or '-'})",
            queryset=lambda qs: qs.defer("body_text", "body_html", "attachments"),
            policy="mail.manage",
        )
