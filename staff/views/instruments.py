"""Instruments in the back-office (/staff/instruments/): registry, assessments, levels, phases,
CSV import, follow-ups and the refresh of every instrument's IMVO brochure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from brochures.tasks import instrument_brochures_refresh_all
from core.exceptions import DomainError
from core.tasks import enqueue
from instruments.constants import Criterion
from instruments.forms import AssessmentForm, ImportForm, InstrumentForm, LevelForm, PhaseForm
from instruments.models import Assessment, FrameworkFollowUp, Instrument, RolloutPhase
from instruments.selectors import (
    InstrumentFilters,
    assessments_of,
    instrument_list,
    instruments_without_imvo_page,
    level_decision_current,
)
from instruments.services import (
    assessment_create,
    follow_up_resolve,
    instrument_save,
    instruments_import_csv,
    level_publish,
    phase_save,
)
from instruments.services.framework import risk_suggestion_for
from instruments.services.imports import COLUMNS, ImportFileError

from .base import StaffPageMixin

T = TypeVar("T")


class InstrumentStaffMixin(StaffPageMixin):
    """The back-office's instrument pages: RVO staff with the ``instrument.manage`` policy."""

    policy = "instrument.manage"
    section = "instruments"


class InstrumentObjectMixin(InstrumentStaffMixin):
    def load_objects(self):
        self.instrument = get_object_or_404(Instrument, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(instrument=self.instrument, **kwargs)


class FormPageMixin:
    """A page whose form is re-shown with a 400 when the submit fails (values kept, errors summed up)."""

    def failed(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _add_validation_errors(form, error: ValidationError) -> None:
    for field, errors in getattr(error, "error_dict", {None: error.error_list}).items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


def _attempt(form, write: Callable[[], T]) -> T | None:
    """What the service returns, or None with its refusal added to the form."""
    try:
        return write()
    except DomainError as exc:
        form.add_error(None, exc.message)
    except ValidationError as exc:
        _add_validation_errors(form, exc)
    return None


class InstrumentListView(InstrumentStaffMixin, ListView):
    template_name = "staff/instruments/list.html"
    context_object_name = "instruments"
    paginate_by = 50

    def get_queryset(self):
        q = self.request.GET.get("q", "").strip()[:100]
        return instrument_list(filters=InstrumentFilters(q=q)).annotate(
            open_follow_ups=Count(
                "applications__follow_ups", filter=Q(applications__follow_ups__resolved_at__isnull=True)
            )
        )

    def get_context_data(self, **kwargs):
        missing = instruments_without_imvo_page()
        return super().get_context_data(
            q=self.request.GET.get("q", ""),
            missing_count=missing.count(),
            missing=missing[:50],
            total=Instrument.objects.count(),
            **kwargs,
        )


class InstrumentCreateView(FormPageMixin, InstrumentStaffMixin, TemplateView):
    template_name = "staff/instruments/form.html"
    instrument = None

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", InstrumentForm(instance=self.instrument))
        return super().get_context_data(**kwargs)

    def post(self, request, **kwargs):
        form = InstrumentForm(request.POST, instance=self.instrument)
        if form.is_valid() and (
            instrument := _attempt(
                form,
                lambda: instrument_save(
                    actor=request.user, data=form.cleaned_data, instrument=self.instrument, request=request
                ),
            )
        ):
            messages.success(request, _("The instrument has been saved."))
            return redirect("staff:instrument_detail", pk=instrument.pk)
        return self.failed(form)


class InstrumentEditView(InstrumentObjectMixin, InstrumentCreateView):
    pass


class InstrumentDetailView(InstrumentObjectMixin, TemplateView):
    template_name = "staff/instruments/detail.html"

    def get_context_data(self, **kwargs):
        instrument = self.instrument
        return super().get_context_data(
            decision=level_decision_current(instrument),
            decisions=instrument.level_decisions.select_related("phase", "decided_by").order_by("-version"),
            assessments=assessments_of(instrument),
            follow_ups=FrameworkFollowUp.objects.filter(application__instrument=instrument, resolved_at__isnull=True)
            .select_related("application__organisation")
            .order_by("-created_at")[:50],
            application_count=instrument.applications.count(),
            imvo_url=reverse("instrument_imvo:page", args=[instrument.slug]),
            has_imvo_page=hasattr(instrument, "imvo_brochure"),
            **kwargs,
        )


class InstrumentAssessView(FormPageMixin, InstrumentObjectMixin, TemplateView):
    """Score the five criteria. "Preview" shows the level the scores give (``rules.framework_level``)
    without saving; ``static/js/level_preview.js`` asks for it as the scores change."""

    template_name = "staff/instruments/assess.html"

    def get_context_data(self, **kwargs):
        suggested_risk = risk_suggestion_for(self.instrument)
        if "form" not in kwargs:
            kwargs["form"] = AssessmentForm(initial=self.initial(suggested_risk), suggested_risk=suggested_risk)
        if "preview" not in kwargs:
            kwargs["preview"] = AssessmentForm.level_preview(kwargs["form"].initial)
        return super().get_context_data(
            latest=assessments_of(self.instrument).first(), suggested_risk=suggested_risk, **kwargs
        )

    def initial(self, suggested_risk: int) -> dict:
        latest = assessments_of(self.instrument).first()
        initial = {"imvo_risk": suggested_risk}
        if latest:
            for c in Criterion.values:
                initial[c] = getattr(latest, c)
                initial[f"{c}_reason"] = getattr(latest, f"{c}_reason")
            initial["risk_override_reason"] = latest.risk_override_reason
        return initial

    def post(self, request, pk):
        suggested_risk = risk_suggestion_for(self.instrument)
        if "preview" in request.POST:
            # Re-show what was typed, unbound: a preview is no failed submit (no error summary).
            form = AssessmentForm(initial=request.POST.dict(), suggested_risk=suggested_risk)
            return self.render_to_response(
                self.get_context_data(form=form, preview=AssessmentForm.level_preview(request.POST))
            )
        form = AssessmentForm(request.POST, suggested_risk=suggested_risk)
        data = form.cleaned_data if form.is_valid() else None
        if data and (
            assessment := _attempt(
                form,
                lambda: assessment_create(
                    instrument=self.instrument,
                    actor=request.user,
                    scores={c: data[c] for c in Criterion.values},
                    reasons={c: data[f"{c}_reason"] for c in Criterion.values},
                    change_reason=data["change_reason"],
                    risk_override_reason=data["risk_override_reason"],
                    request=request,
                ),
            )
        ):
            messages.success(
                request,
                _("Assessment version %(version)s saved; suggested level %(level)s.")
                % {"version": assessment.version, "level": assessment.suggested_level},
            )
            return redirect("staff:instrument_level", pk=pk)
        return self.render_to_response(
            self.get_context_data(form=form, preview=AssessmentForm.level_preview(request.POST)), status=400
        )


class InstrumentAssessmentView(InstrumentObjectMixin, TemplateView):
    template_name = "staff/instruments/assessment.html"

    def get_context_data(self, **kwargs):
        assessment = (
            Assessment.objects.filter(instrument=self.instrument, version=self.kwargs["version"])
            .select_related("created_by")
            .first()
        )
        if assessment is None:
            raise Http404
        rows = [(label, getattr(assessment, c), getattr(assessment, f"{c}_reason")) for c, label in Criterion.choices]
        return super().get_context_data(assessment=assessment, rows=rows, **kwargs)


class InstrumentLevelView(FormPageMixin, InstrumentObjectMixin, TemplateView):
    """Publish a level: the fields the chosen level needs are required (``rules.level_needs``)."""

    template_name = "staff/instruments/level.html"

    def load_objects(self):
        super().load_objects()
        self.assessment = assessments_of(self.instrument).first()
        self.suggested_level = self.assessment.suggested_level if self.assessment else None

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            decision = level_decision_current(self.instrument)
            initial = {"level": self.suggested_level or 0}
            if decision:
                initial.update({f"purpose_{k}": v for k, v in decision.purpose_links.items()}, phase=decision.phase)
            kwargs["form"] = LevelForm(initial=initial, suggested_level=self.suggested_level)
        return super().get_context_data(
            assessment=self.assessment, decision=level_decision_current(self.instrument), **kwargs
        )

    def post(self, request, pk):
        form = LevelForm(request.POST, suggested_level=self.suggested_level)
        data = form.cleaned_data if form.is_valid() else None
        if data and (
            decision := _attempt(
                form,
                lambda: level_publish(
                    instrument=self.instrument,
                    actor=request.user,
                    level=data["level"],
                    purpose_links=form.purpose_links(),
                    phase=data["phase"],
                    higher_reason=data["higher_reason"],
                    request=request,
                ),
            )
        ):
            messages.success(request, _("Level %(level)s published.") % {"level": decision.level})
            return redirect("staff:instrument_detail", pk=pk)
        return self.failed(form)


class InstrumentPhaseListView(InstrumentStaffMixin, TemplateView):
    template_name = "staff/instruments/phases.html"

    def get_context_data(self, **kwargs):
        phases = RolloutPhase.objects.order_by("number").annotate(
            instrument_count=Count("decisions__instrument", distinct=True)
        )
        return super().get_context_data(phases=phases, **kwargs)


class InstrumentPhaseFormView(FormPageMixin, InstrumentStaffMixin, TemplateView):
    template_name = "staff/instruments/phase_form.html"

    def load_objects(self):
        pk = self.kwargs.get("pk")
        self.phase = get_object_or_404(RolloutPhase, pk=pk) if pk else None

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", PhaseForm(instance=self.phase))
        return super().get_context_data(**kwargs)

    def post(self, request, **kwargs):
        form = PhaseForm(request.POST, instance=self.phase)
        if form.is_valid() and _attempt(
            form, lambda: phase_save(actor=request.user, data=form.cleaned_data, phase=self.phase, request=request)
        ):
            messages.success(request, _("The roll-out phase has been saved."))
            return redirect("staff:instrument_phases")
        return self.failed(form)


class InstrumentImportView(InstrumentStaffMixin, TemplateView):
    template_name = "staff/instruments/import.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ImportForm())
        return super().get_context_data(columns=COLUMNS, **kwargs)

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            try:
                report = instruments_import_csv(
                    actor=request.user,
                    content=form.cleaned_data["file"].read(),
                    dry_run=form.cleaned_data["dry_run"],
                    request=request,
                )
            except ImportFileError as exc:
                form.add_error("file", str(exc))
        status = 200 if report is not None and not report.errors else 400
        return self.render_to_response(self.get_context_data(form=form, report=report), status=status)


class InstrumentFollowUpResolveView(InstrumentStaffMixin, View):
    def post(self, request, pk):
        follow_up = get_object_or_404(FrameworkFollowUp, pk=pk)
        follow_up_resolve(follow_up=follow_up, actor=request.user, request=request)
        messages.success(request, _("The follow-up has been marked as done."))
        return redirect("staff:instrument_detail", pk=follow_up.application.instrument_id)


class InstrumentBrochuresRenderView(InstrumentStaffMixin, View):
    """Refresh every instrument's IMVO brochure and queue their PDFs, in the worker.

    Unchanged content is skipped and one failure never stops the rest (``brochures.instrument_pack``).
    """

    def post(self, request):
        if enqueue(instrument_brochures_refresh_all, request.user.pk):
            messages.success(
                request, _("The IMVO brochures of all instruments are being refreshed; the worker makes the PDFs.")
            )
        else:
            messages.error(request, _("The task could not be queued. Please try again in a moment."))
        return redirect("staff:instrument_list")
