from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MissionsConfig(AppConfig):
    name = "missions"
    verbose_name = _("Missions")

    def ready(self):
        from declarations.subjects import subject_type_register

        from .subjects import RegistrationSubject

        subject_type_register(RegistrationSubject())
