"""Public brochure pages: the list, the online version and PDF downloads with a progress page."""

from __future__ import annotations

from django.core.cache import cache
from django.http import JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.views import View
from django.views.generic import TemplateView

from ..constants import Channel, VersionStatus
from ..content import markdown_to_html
from ..counters import brochure_read_record
from ..models import BrochureVersion
from ..selectors import (
    brochure_list_published,
    brochure_version_current,
    brochure_version_get,
    brochure_version_sections,
    pdf_cache_key,
    rendition_for_version,
)
from .common import active_organisation_id, pdf_response, rendition_status_payload, request_language, serve_pdf

# --- Public pages ----------------------------------------------------------------------


class BrochureListView(TemplateView):
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


class BrochureDetailView(TemplateView):
    """The accessible online version: same content as the PDF, with headings and a table of contents."""

    template_name = "brochures/detail.html"

    def get_version(self) -> BrochureVersion:
        return brochure_version_current(slug=self.kwargs["slug"], language=request_language(self.request))

    def get_context_data(self, **kwargs):
        version = self.get_version()
        brochure_read_record(
            version=version, channel=Channel.ONLINE, organisation_id=active_organisation_id(self.request)
        )
        sections = [
            {"title": s.title, "anchor": f"s{s.position}", "html": markdown_to_html(s.body)}
            for s in brochure_version_sections(version=version)
        ]
        latest = version.brochure.versions.filter(language=version.language, status=VersionStatus.PUBLISHED).order_by(
            "-number"
        )
        return super().get_context_data(
            version=version,
            sections=sections,
            earlier_versions=[v for v in latest if v.number != version.number],
            is_current=bool(latest) and latest[0].number == version.number,
            rendition=rendition_for_version(version=version),
            pdf_url=reverse("brochures:version_pdf", args=[version.brochure.slug, version.language, version.number]),
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
            return serve_pdf(request, cached)
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
