"""What the brochures app offers the mission pages (registered in ``BrochuresConfig.ready()``):
the IMVO brochure and a mission's own information pack, as links by URL name."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from missions.resources import ImvoBrochure, ResourceLink

from .constants import IMVO_SLUG, INSTRUMENT_PREFIX, MISSION_PACK_PREFIX
from .selectors import brochure_version_current


def _current(slug: str, language: str):
    try:
        return brochure_version_current(slug=slug, language=language)
    except Http404:
        return None


class BrochureResources:
    def mission_links(self, mission, *, language: str) -> list[ResourceLink]:
        links = []
        if _current(IMVO_SLUG, language) is not None:
            links.append(
                ResourceLink(
                    _("IMVO brochure: responsible business conduct on innovation missions"),
                    reverse("brochures:detail", args=[IMVO_SLUG]),
                )
            )
        pack = f"{MISSION_PACK_PREFIX}{mission.slug}"[:120]
        if _current(pack, language) is not None:
            links.append(ResourceLink(_("Brochure of this mission"), reverse("brochures:detail", args=[pack])))
        return links

    def imvo_brochure(self, *, language: str) -> ImvoBrochure | None:
        version = _current(IMVO_SLUG, language)
        if version is None:
            return None
        return ImvoBrochure(
            url=reverse("brochures:detail", args=[IMVO_SLUG]),
            version=f"{IMVO_SLUG}/{version.language}/v{version.number}/{version.content_sha256[:12]}",
        )


class InstrumentBrochureResources:
    """What the brochures app does for the instruments app (``instruments.resources``)."""

    def instrument_changed(self, instrument_id: int) -> None:
        from core.tasks import enqueue

        from .tasks import instrument_brochure_refresh

        enqueue(instrument_brochure_refresh, instrument_id)

    def imvo_brochure_version(self, instrument, *, language: str) -> str:
        slug = f"{INSTRUMENT_PREFIX}{instrument.slug}"[:120]
        version = _current(slug, language)
        if version is None:
            return ""
        return f"{slug}/{version.language}/v{version.number}/{version.content_sha256[:12]}"
