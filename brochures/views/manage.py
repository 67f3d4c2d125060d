"""Staff pages: edit drafts, preview (HTML and PDF), publish, retry a failed rendition, mission packs."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from missions.models import Mission
from organisations.policies import PolicyRequiredMixin

from ..constants import VersionStatus
from ..content import markdown_to_html, sections_to_source
from ..exceptions import BrochureError
from ..forms import DraftForm, StaffBrochureFilterForm
from ..mission_pack import mission_pack_publish
from ..models import Brochure, BrochureVersion, Rendition
from ..selectors import (
    brochure_list_for_staff,
    brochure_rows_for_staff,
    brochure_version_sections,
    draft_get,
    missions_without_pack,
    rendition_for_version,
)
from ..services import (
    brochure_draft_get_or_create,
    brochure_draft_update,
    brochure_version_publish,
    rendition_retry,
)
from .common import LANGUAGES, pdf_response, rendition_status_payload

# --- Staff pages -----------------------------------------------------------------------


class BrochureManageMixin(PolicyRequiredMixin):
    policy = "brochure.manage"
    permission_denied_message = gettext_lazy("Only RVO staff can manage brochures.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(section="brochures", **kwargs)  # in the back-office's menu


def _staff_version(pk: int) -> BrochureVersion:
    return get_object_or_404(BrochureVersion.objects.select_related("brochure__mission", "brochure__instrument"), pk=pk)


MISSIONS_WITHOUT_PACK_SHOWN = 10


class ManageListView(BrochureManageMixin, ListView):
    """Every brochure per language, searched, filtered and paged (``brochure_rows_for_staff``:
    a bounded number of queries per page, whatever the number of brochures and versions)."""

    template_name = "brochures/manage/list.html"
    context_object_name = "brochures"
    paginate_by = 25

    def get_queryset(self):
        self.filter_form = StaffBrochureFilterForm(self.request.GET)
        self.filters = self.filter_form.filters()
        return brochure_list_for_staff(filters=self.filters)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter_form=self.filter_form, **kwargs)
        context["rows"] = brochure_rows_for_staff(context["brochures"], language=self.filters.language)
        context["filtered"] = any(getattr(self.filters, name) for name in self.filter_form.fields)
        missions = missions_without_pack(today=timezone.localdate())
        context["missions_without_pack"] = list(missions[:MISSIONS_WITHOUT_PACK_SHOWN])
        context["missions_without_pack_count"] = (
            len(context["missions_without_pack"])
            if len(context["missions_without_pack"]) < MISSIONS_WITHOUT_PACK_SHOWN
            else missions.count()
        )
        return context


class DraftEditView(BrochureManageMixin, FormView):
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
            name=self.brochure.language_label(self.kwargs["language"]),
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


class VersionPreviewView(BrochureManageMixin, TemplateView):
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


class VersionPreviewPdfView(BrochureManageMixin, View):
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


class VersionPreviewStatusView(BrochureManageMixin, View):
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


class VersionPublishView(BrochureManageMixin, View):
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


class RenditionRetryView(BrochureManageMixin, View):
    def post(self, request, pk):
        rendition = get_object_or_404(Rendition, pk=pk)
        rendition_retry(rendition=rendition, actor=request.user, request=request)
        messages.success(request, _("The PDF will be made again."))
        return redirect("brochures:preview", pk=rendition.version_id)


class MissionPackGenerateView(BrochureManageMixin, View):
    def post(self, request, slug):
        mission = get_object_or_404(Mission, slug=slug)
        try:
            brochure = mission_pack_publish(mission=mission, actor=request.user)
        except BrochureError as exc:
            messages.error(request, exc.message)
            return redirect("brochures:manage")
        messages.success(request, _("The information pack of this mission has been published."))
        return redirect("brochures:detail", slug=brochure.slug)
