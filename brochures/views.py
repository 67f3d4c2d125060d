"""Brochure pages: the list, the online version, PDF downloads with a progress page, and staff editing."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from missions.models import Mission
from organisations.policies import PolicyRequiredMixin, can
from organisations.selectors import active_membership

from .constants import Channel, RenditionStatus, VersionStatus
from .content import markdown_to_html, sections_to_source
from .counters import brochure_read_record
from .exceptions import BrochureError
from .forms import DraftForm
from .mission_pack import mission_pack_publish
from .models import Brochure, BrochureVersion, Rendition
from .selectors import (
    PDF_CACHE_SECONDS,
    PdfFile,
    brochure_list_for_staff,
    brochure_list_published,
    brochure_version_current,
    brochure_version_get,
    brochure_version_sections,
    draft_get,
    pdf_cache_key,
    rendition_for_version,
)
from .services import (
    brochure_draft_get_or_create,
    brochure_draft_update,
    brochure_version_publish,
    rendition_request,
    rendition_retry,
)

LANGUAGES = ("nl", "en")
#: Typical render time, for the progress estimate shown while a PDF is being made.
EXPECTED_RENDER_SECONDS = 3.0


def _language(request) -> str:
    language = translation.get_language() or "nl"
    return language[:2] if language[:2] in LANGUAGES else "nl"


def _organisation_id(request) -> int | None:
    membership = active_membership(request)
    return membership.organisation_id if membership else None


def _is_staff(request) -> bool:
    return can(request.user, "brochure.manage")


def _filename(version: BrochureVersion) -> str:
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
    if status == RenditionStatus.FAILED and _is_staff(request) and rendition is not None:
        payload["error"] = rendition.error
    return payload


def _serve_pdf(request, pdf: PdfFile):
    etag = f'"{pdf.sha256}"'
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    try:
        handle = default_storage.open(pdf.storage_name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True, filename=pdf.filename)
    response["ETag"] = etag
    response["Content-Length"] = str(pdf.size)
    patch_cache_control(response, private=True, no_cache=True)
    if pdf.published:
        brochure_read_record(
            version=BrochureVersion(pk=pdf.version_id, brochure_id=pdf.brochure_id, language=pdf.language),
            channel=Channel.PDF,
            organisation_id=_organisation_id(request),
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
    if rendition.status == RenditionStatus.DONE and rendition.file:
        pdf = PdfFile(
            version_id=version.pk,
            brochure_id=version.brochure_id,
            language=version.language,
            published=version.is_published,
            filename=_filename(version),
            storage_name=rendition.file.name,
            sha256=rendition.file_sha256,
            size=rendition.bytes or rendition.file.size,
        )
        if cache_key:
            cache.set(cache_key, pdf, PDF_CACHE_SECONDS)
        return _serve_pdf(request, pdf)
    context = {
        "version": version,
        "rendition": rendition,
        "state": rendition_status_payload(rendition, download_url=download_url, request=request),
        "download_url": download_url,
        "status_url": status_url,
        "back_url": back_url,
        "is_staff": _is_staff(request),
    }
    status = 503 if rendition.status == RenditionStatus.FAILED else 202
    response = render(request, "brochures/pending.html", context, status=status)
    patch_cache_control(response, no_store=True)
    return response


# --- Public pages ----------------------------------------------------------------------


class BrochureListView(TemplateView):
    template_name = "brochures/list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(versions=brochure_list_published(language=_language(self.request)), **kwargs)


class BrochureDetailView(TemplateView):
    """The accessible online version: same content as the PDF, with headings and a table of contents."""

    template_name = "brochures/detail.html"

    def get_version(self) -> BrochureVersion:
        return brochure_version_current(slug=self.kwargs["slug"], language=_language(self.request))

    def get_context_data(self, **kwargs):
        version = self.get_version()
        brochure_read_record(version=version, channel=Channel.ONLINE, organisation_id=_organisation_id(self.request))
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
            language_mismatch=version.language != _language(self.request),
            content_lang=version.language if version.language != _language(self.request) else "",
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
        return brochure_version_current(slug=self.kwargs["slug"], language=_language(self.request))

    def cache_key(self) -> str:
        return pdf_cache_key(slug=self.kwargs["slug"], language=_language(self.request))

    def get(self, request, **kwargs):
        cache_key = self.cache_key()
        cached = cache.get(cache_key)
        if cached is not None:
            return _serve_pdf(request, cached)
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


# --- Staff pages -----------------------------------------------------------------------


class StaffRequiredMixin(PolicyRequiredMixin):
    policy = "brochure.manage"
    permission_denied_message = gettext_lazy("Only RVO staff can manage brochures.")


def _staff_version(pk: int) -> BrochureVersion:
    return get_object_or_404(BrochureVersion.objects.select_related("brochure"), pk=pk)


class ManageListView(StaffRequiredMixin, TemplateView):
    template_name = "brochures/manage/list.html"

    def get_context_data(self, **kwargs):
        rows = []
        brochures = list(brochure_list_for_staff())
        for brochure in brochures:
            versions = list(brochure.versions.all())
            for language in LANGUAGES:
                in_language = [v for v in versions if v.language == language]
                published = sorted((v for v in in_language if v.number), key=lambda v: -v.number)
                draft = next((v for v in in_language if v.status == VersionStatus.DRAFT), None)
                current = published[0] if published else None
                rows.append(
                    {
                        "brochure": brochure,
                        "language": language,
                        "current": current,
                        "draft": draft,
                        "rendition": rendition_for_version(version=current) if current else None,
                    }
                )
        missions = list(Mission.objects.filter(information_pack__isnull=True).order_by("starts_on")[:50])
        return super().get_context_data(rows=rows, missions_without_pack=missions, **kwargs)


class DraftEditView(StaffRequiredMixin, FormView):
    template_name = "brochures/manage/edit.html"
    form_class = DraftForm

    def dispatch(self, request, *args, **kwargs):
        if kwargs["language"] not in LANGUAGES:
            raise Http404
        self.brochure = get_object_or_404(Brochure, slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        language = self.kwargs["language"]
        source = draft_get(brochure=self.brochure, language=language) or (
            self.brochure.versions.filter(language=language, status=VersionStatus.PUBLISHED).order_by("-number").first()
        )
        if source is None:
            return {"title": "", "summary": "", "content": ""}
        return {
            "title": source.title,
            "summary": source.summary,
            "content": sections_to_source(source.sections.order_by("position")),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            brochure=self.brochure,
            language=self.kwargs["language"],
            draft=draft_get(brochure=self.brochure, language=self.kwargs["language"]),
            **kwargs,
        )

    def form_valid(self, form):
        draft = brochure_draft_get_or_create(
            brochure=self.brochure, language=self.kwargs["language"], actor=self.request.user
        )
        try:
            draft = brochure_draft_update(
                version=draft,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                source=form.cleaned_data["content"],
                actor=self.request.user,
                request=self.request,
            )
        except BrochureError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("The draft has been saved. Check the preview, then publish it."))
        return redirect("brochures:preview", pk=draft.pk)


class VersionPreviewView(StaffRequiredMixin, TemplateView):
    template_name = "brochures/manage/preview.html"

    def get_context_data(self, **kwargs):
        version = _staff_version(self.kwargs["pk"])
        sections = [
            {"title": s.title, "anchor": f"s{s.position}", "html": markdown_to_html(s.body)}
            for s in brochure_version_sections(version=version)
        ]
        return super().get_context_data(
            version=version, sections=sections, rendition=rendition_for_version(version=version), **kwargs
        )


class VersionPreviewPdfView(StaffRequiredMixin, View):
    """The PDF of any version, drafts included (made by the worker like every other PDF)."""

    def get(self, request, pk):
        version = _staff_version(pk)
        return pdf_response(
            request,
            version,
            download_url=reverse("brochures:preview_pdf", args=[pk]),
            status_url=reverse("brochures:preview_status", args=[pk]),
            back_url=reverse("brochures:preview", args=[pk]),
        )


class VersionPreviewStatusView(StaffRequiredMixin, View):
    def get(self, request, pk):
        version = _staff_version(pk)
        payload = rendition_status_payload(
            rendition_for_version(version=version),
            download_url=reverse("brochures:preview_pdf", args=[pk]),
            request=request,
        )
        response = JsonResponse(payload)
        patch_cache_control(response, no_store=True)
        return response


class VersionPublishView(StaffRequiredMixin, View):
    def post(self, request, pk):
        version = _staff_version(pk)
        was_published = version.is_published
        try:
            version = brochure_version_publish(version=version, actor=request.user, request=request)
        except BrochureError as exc:
            messages.error(request, exc.message)
            return redirect("brochures:preview", pk=pk)
        if was_published:
            messages.info(request, _("This version was already published."))
        else:
            messages.success(
                request,
                _("Version %(number)s has been published. The PDF is being made; this page shows when it is ready.")
                % {"number": version.number},
            )
        return redirect("brochures:preview", pk=version.pk)


class RenditionRetryView(StaffRequiredMixin, View):
    def post(self, request, pk):
        rendition = get_object_or_404(Rendition, pk=pk)
        rendition_retry(rendition=rendition, actor=request.user, request=request)
        messages.success(request, _("The PDF will be made again."))
        return redirect("brochures:preview", pk=rendition.version_id)


class MissionPackGenerateView(StaffRequiredMixin, View):
    def post(self, request, slug):
        mission = get_object_or_404(Mission, slug=slug)
        try:
            brochure = mission_pack_publish(mission=mission, actor=request.user)
        except BrochureError as exc:
            messages.error(request, exc.message)
            return redirect("brochures:manage")
        messages.success(request, _("The information pack of this mission has been published."))
        return redirect("brochures:detail", slug=brochure.slug)
