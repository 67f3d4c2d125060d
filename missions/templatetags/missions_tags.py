import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from missions.resources import imvo_brochure

register = template.Library()


@register.filter
def markdown(value: str) -> str:
    """Markdown to sanitised HTML (staff-written content; nothing executable survives)."""
    html = markdown_lib.markdown(value or "", extensions=["sane_lists"])
    return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised by nh3


@register.simple_tag
def imvo_brochure_url() -> str:
    """The IMVO brochure's URL, from the app that provides it (empty when none is published)."""
    brochure = imvo_brochure(language=(get_language() or "nl")[:2])
    return brochure.url if brochure else ""
