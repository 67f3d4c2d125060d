"""Brochure writes, by sub-domain: ``versions`` (drafts, publishing, read counts) and
``renditions`` (PDFs, made by the worker)."""

from ..constants import MAX_RENDER_ATTEMPTS
from .html import published_html_sections, published_html_store
from .lost_files import rendition_file_lost, rendition_file_missing, renditions_repair
from .renditions import (
    RenditionBusy,
    rendition_context,
    rendition_release,
    rendition_render,
    rendition_request,
    rendition_retry,
    renditions_queue_missing,
    renditions_resume,
)
from .versions import (
    brochure_draft_get_or_create,
    brochure_draft_update,
    brochure_get_or_create,
    brochure_read_count,
    brochure_text_publish,
    brochure_version_publish,
)

__all__ = [
    "published_html_sections",
    "published_html_store",
    "MAX_RENDER_ATTEMPTS",
    "RenditionBusy",
    "brochure_draft_get_or_create",
    "brochure_draft_update",
    "brochure_get_or_create",
    "brochure_read_count",
    "brochure_text_publish",
    "brochure_version_publish",
    "rendition_context",
    "rendition_file_lost",
    "rendition_file_missing",
    "renditions_repair",
    "rendition_release",
    "rendition_render",
    "rendition_request",
    "rendition_retry",
    "renditions_queue_missing",
    "renditions_resume",
]
