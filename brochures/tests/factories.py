"""Test helpers for brochures: a published brochure made through the services."""

from brochures.constants import BrochureKind
from brochures.content import BrochureText, Section
from brochures.services import brochure_get_or_create, brochure_text_publish


def text(title="IMVO-brochure", summary="Samenvatting.", bodies=("Eerste tekst.", "Tweede tekst.")) -> BrochureText:
    return BrochureText(
        title=title,
        summary=summary,
        sections=[Section(title=f"Hoofdstuk {i}", body=body) for i, body in enumerate(bodies, start=1)],
    )


def published_brochure(slug="imvo", language="nl", kind=BrochureKind.IMVO, **text_kwargs):
    brochure = brochure_get_or_create(slug=slug, kind=kind)
    version = brochure_text_publish(brochure=brochure, language=language, text=text(**text_kwargs))
    return brochure, version
