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
        _jobs_register()


def _jobs_register() -> None:
    from core import jobs

    from .models import Rendition
    from .services import rendition_retry

    jobs.register(
        "brochures.rendition",
        Rendition,
        label=_("Brochure PDF"),
        retry=lambda *, job, actor, request=None: rendition_retry(rendition=job, actor=actor, request=request),
        describe=lambda r: f"{r.version.brochure.slug} ({r.language}, {r.content_sha256[:12]})",
        queryset=lambda qs: qs.select_related("version__brochure"),
        policy="brochure.manage",
    )
