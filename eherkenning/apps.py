from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EherkenningConfig(AppConfig):
    name = "eherkenning"
    verbose_name = _("eHerkenning")
