from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self):
        from . import checks  # noqa: F401  (registers the rounding key checks)
        from .changes import dashboard_install_triggers

        post_migrate.connect(dashboard_install_triggers, sender=self, dispatch_uid="dashboard_install_triggers")
