from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EherkenningConfig(AppConfig):
    name = "eherkenning"
    verbose_name = _("eHerkenning")

    def ready(self):
        from . import checks  # noqa: F401  (registers the OIDC settings check)
