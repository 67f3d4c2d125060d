from django import template
from django.utils.translation import get_language

from core.markdown import markdown_to_safe_html
from missions.resources import imvo_brochure

register = template.Library()


@register.filter
def markdown(value: str) -> str:
    """Markdown to sanitised HTML with the portal's one policy (nothing executable survives)."""
    return markdown_to_safe_html(value)


@register.simple_tag
def imvo_brochure_url() -> str:
    """The IMVO brochure's URL, from the app that provides it (empty when none is published)."""
    brochure = imvo_brochure(language=(get_language() or "nl")[:2])
    return brochure.url if brochure else ""
