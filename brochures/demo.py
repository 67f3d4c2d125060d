"""Demo brochures: the IMVO and general innovation-missions brochures in Dutch and English.

Published from the bundled texts in ``brochures/content``; with Celery eager (local use) the
PDFs are rendered right away, otherwise the worker makes them.
"""

from accounts.models import User
from missions.constants import MissionStatus
from missions.demo_data import DEMO_MISSIONS
from missions.models import Mission

from .constants import GENERAL_SLUG, IMVO_SLUG, BrochureKind
from .content import load_bundled
from .mission_pack import mission_pack_publish
from .services import brochure_get_or_create, brochure_text_publish

BUNDLED = [
    (IMVO_SLUG, BrochureKind.IMVO, "imvo", 10),
    (GENERAL_SLUG, BrochureKind.GENERAL, "missions", 20),
]


def seed(*, companies: int, password: str, log) -> None:
    actor = User.objects.filter(email="rvo@demo.example").first()
    for slug, kind, name, position in BUNDLED:
        brochure = brochure_get_or_create(slug=slug, kind=kind, position=position)
        for language in ("nl", "en"):
            version = brochure_text_publish(
                brochure=brochure, language=language, text=load_bundled(name, language), actor=actor
            )
            log(f"Brochure {slug} ({language}): version {version.number}")


def seed_mission_packs(*, companies: int, password: str, log) -> None:
    """Information packs of the published missions (runs after the missions and declarations seeders)."""
    actor = User.objects.filter(email="rvo@demo.example").first()
    demo_slugs = [mission["slug"] for mission in DEMO_MISSIONS]  # not every mission beside them
    for mission in Mission.objects.filter(status=MissionStatus.PUBLISHED, slug__in=demo_slugs).order_by("starts_on"):
        brochure = mission_pack_publish(mission=mission, actor=actor)
        log(f"Information pack {brochure.slug}")


def seed_instruments(*, companies: int, password: str, log) -> None:
    """Every instrument's online IMVO brochure (the PDFs are made by the worker when asked for)."""
    from .instrument_pack import instrument_brochures_publish_all

    result = instrument_brochures_publish_all(request_rendition=False)
    log(f"Instrument IMVO brochures: {result.published} checked, {len(result.failed)} failed")
