"""The portal's one rule for bilingual fields: ``<field>_nl`` and ``<field>_en`` on a model."""

from django.conf import settings
from django.utils import translation

LANGUAGES = ("nl", "en")


def localised(obj, field: str, language: str | None = None) -> str:
    """``obj.<field>_<language>`` (the active language by default), falling back to Dutch, the
    portal's source language, and then to English."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    value = getattr(obj, f"{field}_{language}", "") if language in LANGUAGES else ""
    return value or getattr(obj, f"{field}_nl", "") or getattr(obj, f"{field}_en", "") or ""
