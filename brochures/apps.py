from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BrochuresConfig(AppConfig):
    name = "brochures"
    verbose_name = _("Brochures")

    def ready(self):
        from instruments.resources import provider_register as instrument_provider_register
        from missions.resources import provider_register

        from .providers import BrochureResources, InstrumentBrochureResources

        # Imported here: models and URL names are ready only now (Django's app loading).
        provider_register(BrochureResources())
        instrument_provider_register(InstrumentBrochureResources())
