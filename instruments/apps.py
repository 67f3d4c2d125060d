from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstrumentsConfig(AppConfig):
    name = "instruments"
    verbose_name = _("Instruments")

    def ready(self):
        from declarations.subjects import subject_type_register

        from .subjects import ApplicationSubject

        subject_type_register(ApplicationSubject())
