from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from .protection import audit_protect_sqlite

        post_migrate.connect(audit_protect_sqlite, sender=self, dispatch_uid="audit_protect_sqlite")
