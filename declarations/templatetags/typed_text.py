from django import template

from declarations.typed_text import typed_text_notice

register = template.Library()


@register.simple_tag
def typed_text_notice_tag() -> str:
    """``{% typed_text_notice_tag %}``: the retention notice under a typed reason (declarations.typed_text)."""
    return typed_text_notice()
