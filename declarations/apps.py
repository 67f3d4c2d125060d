from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Declarations")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks of the evidence anchors)
        from .keys import evidence_keys_check
        from .mail_secrets import mail_secrets_register
        from .protection import declarations_protect_sqlite

        # A missing or malformed evidence key stops start-up with a clear message.
        evidence_keys_check()
        mail_secrets_register()  # e-mails get the verification code only as they are sent
        from core.metrics import register_collector

        from .metrics import evidence_metrics

        register_collector(evidence_metrics)  # records and checkpoint age on /metrics
        post_migrate.connect(declarations_protect_sqlite, sender=self, dispatch_uid="declarations_protect_sqlite")
