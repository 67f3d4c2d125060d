from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from .admin_log import admin_log_audit_connect
        from .protection import audit_protect_sqlite, sqlite_cross_table_triggers_drop_before_migrate

        admin_log_audit_connect()  # changes made in Django's admin go to the audit trail

        post_migrate.connect(audit_protect_sqlite, sender=self, dispatch_uid="audit_protect_sqlite")
        from .migration_guard import evidence_rollback_guard

        # Refuse, before anything is unapplied, a migrate that would unapply evidence migrations.
        pre_migrate.connect(evidence_rollback_guard, sender=self, dispatch_uid="audit_evidence_rollback_guard")
        drop = sqlite_cross_table_triggers_drop_before_migrate
        pre_migrate.connect(drop, sender=self, dispatch_uid="audit_sqlite_cross_table_triggers")
