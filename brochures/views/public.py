"""Public brochure pages: the list, the online version and PDF downloads with a progress page."""

from __future__ import annotations

from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import TemplateView

from core.page_cache import AnonymousPageCacheMixin

from ..constants import Channel, VersionStatus
from ..counters import brochure_read_record
from ..files import pdf_file_url, published_pdf_response
from ..models import BrochureVersion
from ..selectors import (
    brochure_list_published,
    brochure_version_current,
    brochure_version_get,
    pdf_cache_key,
    rendition_for_version,
)
from ..services import published_html_sections
from .common import (
    PdfFileMissing,
    active_organisation_id,
    pdf_filename,
    pdf_response,
    rendition_status_payload,
    request_language,
    serve_pdf,
)

# --- Public pages ----------------------------------------------------------------------


class BrochureListView(AnonymousPageCacheMixin, TemplateView):
    page_cache_namespace = "brochures"

    template_name = "brochures/list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            versions=brochure_list_published(language=request_language(self.request)), **kwargs
        )


#: Pages that may send a reader to a brochure with ``?return=`` and get a "back" link.
RETURN_VIEWS = {"missions:register_step"}


def return_url(request) -> str:
    """The local page the reader came from (``?return=``), when it is one of ``RETURN_VIEWS``."""
    candidate = request.GET.get("return", "")
    if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return ""
    try:
        match = resolve(candidate.split("?", 1)[0])
    except Resolver404:
        return ""
    return candidate if match.view_name in RETURN_VIEWS else ""


class BrochureDetailView(AnonymousPageCacheMixin, TemplateView):
    """The accessible online version: same content as the PDF, with headings and a table of contents.

    Cached whole for anonymous visitors (``core.page_cache``); a read served from the cache
    is still counted.
    """

    page_cache_namespace = "brochures"

    def page_cache_extra(self, response) -> dict:
        version = response.context_data["version"]
        return {"version_id": version.pk, "brochure_id": version.brochure_id, "language": version.language}

    @staticmethod
    def page_cache_hit(extra: dict) -> None:
        version = BrochureVersion(pk=extra["version_id"], brochure_id=extra["brochure_id"], language=extra["language"])
        brochure_read_record(version=version, channel=Channel.ONLINE, organisation_id=None)

    template_name = "brochures/detail.html"

    def get_version(self) -> BrochureVersion:
        return brochure_version_current(slug=self.kwargs["slug"], language=request_language(self.request))

    def get_context_data(self, **kwargs):
        version = self.get_version()
        brochure_read_record(
            version=version, channel=Channel.ONLINE, organisation_id=active_organisation_id(self.request)
        )
        # Stored at publish (keyed by content hash): no Markdown or sanitiser run per view.
        sections = [{**s, "html": mark_safe(s["html"])} for s in published_html_sections(version=version)]  # noqa: S308
        latest = version.brochure.versions.filter(language=version.language, status=VersionStatus.PUBLISHED).order_by(
            "-number"
        )
        rendition = rendition_for_version(version=version)
        args = [version.brochure.slug, version.language, version.number]
        pdf_url = reverse("brochures:version_pdf", args=args)  # the progress page until the PDF is made
        if rendition is not None and rendition.is_done and rendition.file_sha256:
            pdf_url = pdf_file_url(
                sha256=rendition.file_sha256,
                filename=pdf_filename(version),
                organisation_id=active_organisation_id(self.request),
            )
        return super().get_context_data(
            version=version,
            sections=sections,
            earlier_versions=[v for v in latest if v.number != version.number],
            is_current=bool(latest) and latest[0].number == version.number,
            rendition=rendition,
            pdf_url=pdf_url,
            language_mismatch=version.language != request_language(self.request),
            content_lang=version.language if version.language != request_language(self.request) else "",
            return_url=return_url(self.request),
            **kwargs,
        )


class BrochureVersionDetailView(BrochureDetailView):
    def get_version(self) -> BrochureVersion:
        return brochure_version_get(
            slug=self.kwargs["slug"], language=self.kwargs["language"], number=self.kwargs["number"]
        )


class BrochurePdfView(View):
    """/brochures/<slug>/pdf/: the current version in the reader's language."""

    def get_version(self) -> BrochureVersion:
        return brochure_version_current(slug=self.kwargs["slug"], language=request_language(self.request))

    def cache_key(self) -> str:
        return pdf_cache_key(slug=self.kwargs["slug"], language=request_language(self.request))

    def get(self, request, **kwargs):
        cache_key = self.cache_key()
        cached = cache.get(cache_key)
        if cached is not None:
            try:
                return serve_pdf(request, cached)
            except PdfFileMissing:  # lost from storage: the rendition below finds out and has it made again
                cache.delete(cache_key)
        version = self.get_version()
        args = [version.brochure.slug, version.language, version.number]
        return pdf_response(
            request,
            version,
            download_url=reverse("brochures:version_pdf", args=args),
            status_url=reverse("brochures:status", args=args),
            back_url=reverse("brochures:version", args=args),
            cache_key=cache_key,
        )


class BrochureVersionPdfView(BrochurePdfView):
    """A fixed version: stays downloadable after newer versions are published."""

    def get_version(self) -> BrochureVersion:
        return brochure_version_get(
            slug=self.kwargs["slug"], language=self.kwargs["language"], number=self.kwargs["number"]
        )

    def cache_key(self) -> str:
        return pdf_cache_key(slug=self.kwargs["slug"], language=self.kwargs["language"], number=self.kwargs["number"])


class BrochureStatusView(View):
    """Small JSON for the progress page: status, progress percentage and, when done, the download URL."""

    def get(self, request, slug, language, number):
        version = brochure_version_get(slug=slug, language=language, number=number)
        payload = rendition_status_payload(
            rendition_for_version(version=version),
            download_url=reverse("brochures:version_pdf", args=[slug, language, number]),
            request=request,
        )
        response = JsonResponse(payload)
        patch_cache_control(response, no_store=True)
        return response


def published_pdf_file(request, sha256: str, filename: str):
    """The immutable PDF URL when a request reaches Django (the test client, a server without the
    WSGI layer); normally ``brochures.files.PublishedPdfApp`` answers it before any middleware."""
    answer = published_pdf_response(
        method=request.method,
        path=request.path_info,
        query=request.META.get("QUERY_STRING", ""),
        if_none_match=request.headers.get("If-None-Match", ""),
    )
    if answer is None:
        raise Http404
    status, headers, handle = answer
    code = int(status.split()[0])
    response = FileResponse(handle, status=code) if handle is not None else HttpResponse(status=code)
    for name, value in headers:
        response[name] = value
    return response
