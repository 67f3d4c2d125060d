"""What the public and the staff brochure pages share: language, PDF responses, progress."""

from __future__ import annotations

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.utils.translation import gettext as _

from organisations.policies import can
from organisations.selectors import active_membership

from ..constants import Channel, RenditionStatus
from ..counters import brochure_read_record
from ..models import BrochureVersion, Rendition
from ..selectors import (
    PDF_CACHE_SECONDS,
    PdfFile,
    rendition_for_version,
)
from ..services import (
    rendition_file_lost,
    rendition_request,
)

LANGUAGES = ("nl", "en")
#: Typical render time, for the progress estimate shown while a PDF is being made.
EXPECTED_RENDER_SECONDS = 3.0


def request_language(request) -> str:
    language = translation.get_language() or "nl"
    return language[:2] if language[:2] in LANGUAGES else "nl"


def active_organisation_id(request) -> int | None:
    membership = active_membership(request)
    return membership.organisation_id if membership else None


def may_manage(request) -> bool:
    return can(request.user, "brochure.manage")


def pdf_filename(version: BrochureVersion) -> str:
    label = f"v{version.number}" if version.number else "concept"
    return f"{version.brochure.slug}-{version.language}-{label}.pdf"


def rendition_progress(rendition: Rendition | None) -> int:
    """A percentage for the progress bar: an estimate from the time the render has been running."""
    if rendition is None:
        return 0
    if rendition.status == RenditionStatus.DONE:
        return 100
    if rendition.status == RenditionStatus.RENDERING and rendition.started_at:
        elapsed = (timezone.now() - rendition.started_at).total_seconds()
        return min(95, 30 + int(65 * elapsed / EXPECTED_RENDER_SECONDS))
    if rendition.status == RenditionStatus.FAILED:
        return 0
    return 10


def rendition_status_payload(rendition: Rendition | None, *, download_url: str, request) -> dict:
    status = rendition.status if rendition else RenditionStatus.PENDING
    messages_by_status = {
        RenditionStatus.PENDING: _("The PDF is waiting to be made."),
        RenditionStatus.RENDERING: _("The PDF is being made."),
        RenditionStatus.DONE: _("The PDF is ready."),
        RenditionStatus.FAILED: _("The PDF could not be made. Please try again later or read the brochure online."),
    }
    payload = {
        "status": status,
        "progress": rendition_progress(rendition),
        "message": str(messages_by_status[status]),
        "download_url": download_url if status == RenditionStatus.DONE else None,
    }
    if status == RenditionStatus.FAILED and may_manage(request) and rendition is not None:
        payload["error"] = rendition.last_error
    return payload


class PdfFileMissing(Exception):
    """The rendition is marked done but its stored file is gone (``services.rendition_file_lost``)."""


#: How long a client is asked to wait for a PDF whose lost file is being made again.
PDF_LOST_RETRY_AFTER_SECONDS = 5


def serve_pdf(request, pdf: PdfFile):
    """The PDF file (ETag = its SHA-256; 304 when unchanged). Raises ``PdfFileMissing`` when it is gone."""
    etag = f'"{pdf.sha256}"'
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    try:
        handle = default_storage.open(pdf.storage_name, "rb")
    except FileNotFoundError:
        raise PdfFileMissing(pdf.storage_name) from None
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True, filename=pdf.filename)
    response["ETag"] = etag
    response["Content-Length"] = str(pdf.size)
    patch_cache_control(response, private=True, no_cache=True)
    if pdf.published:
        brochure_read_record(
            version=BrochureVersion(pk=pdf.version_id, brochure_id=pdf.brochure_id, language=pdf.language),
            channel=Channel.PDF,
            organisation_id=active_organisation_id(request),
        )
    return response


def pdf_response(
    request, version: BrochureVersion, *, download_url: str, status_url: str, back_url: str, cache_key: str = ""
):
    """Serve the done rendition (ETag = its SHA-256, 304 when unchanged) or the progress page.

    Never renders: a missing rendition is only requested (a database row and a queued task).
    With ``cache_key``, a done rendition is remembered so the next download skips the database.
    """
    rendition = rendition_for_version(version=version) or rendition_request(version=version)
    lost = False
    if rendition.status == RenditionStatus.DONE and rendition.file:
        try:
            return _serve_done(request, version, rendition, cache_key=cache_key)
        except (PdfFileMissing, FileNotFoundError):  # FileNotFoundError: its size asked of the lost file
            # Lost from storage (e.g. the media folder): made again by the worker, never here.
            rendition_file_lost(rendition_id=rendition.pk, found_by="download", request=request)
            rendition.refresh_from_db()
            lost = True
    context = {
        "version": version,
        "rendition": rendition,
        "state": rendition_status_payload(rendition, download_url=download_url, request=request),
        "download_url": download_url,
        "status_url": status_url,
        "back_url": back_url,
        "is_staff": may_manage(request),
    }
    status = 503 if rendition.status == RenditionStatus.FAILED or lost else 202
    response = render(request, "brochures/pending.html", context, status=status)
    patch_cache_control(response, no_store=True)
    if lost:
        response["Retry-After"] = str(PDF_LOST_RETRY_AFTER_SECONDS)
        response._has_been_logged = True  # expected and handled: not a server error for the error log
    return response


def _serve_done(request, version: BrochureVersion, rendition: Rendition, *, cache_key: str):
    pdf = PdfFile(
        version_id=version.pk,
        brochure_id=version.brochure_id,
        language=version.language,
        published=version.is_published,
        filename=pdf_filename(version),
        storage_name=rendition.file.name,
        sha256=rendition.file_sha256,
        size=rendition.bytes or rendition.file.size,
    )
    response = serve_pdf(request, pdf)
    if cache_key:
        cache.set(cache_key, pdf, PDF_CACHE_SECONDS)
    return response
