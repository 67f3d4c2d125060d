"""``{% load portal_markdown %}``: the ``markdown`` filter for any app's templates (one policy)."""

from django import template
from django.utils.safestring import SafeString

from core.markdown import markdown_to_safe_html

register = template.Library()


@register.filter
def markdown(value: str) -> SafeString:
    """Markdown to sanitised HTML (see ``core.markdown``)."""
    return markdown_to_safe_html(value)
