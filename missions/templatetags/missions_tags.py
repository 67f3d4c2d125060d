import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

from missions.countries import country_name as _country_name

register = template.Library()


@register.filter
def markdown(value: str) -> str:
    """Markdown to sanitised HTML (staff-written content; nothing executable survives)."""
    html = markdown_lib.markdown(value or "", extensions=["sane_lists"])
    return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised by nh3


@register.filter
def country_name(code: str) -> str:
    return _country_name(code)
