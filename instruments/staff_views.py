"""The RVO back-office for instruments under /staff/instruments/: registry, framework, import."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from imvo_portal.exceptions import DomainError
from organisations.policies import PolicyRequiredMixin

from .constants import Criterion
from .forms import AssessmentForm, ImportForm, InstrumentForm, LevelForm, PhaseForm
from .models import Assessment, FrameworkFollowUp, Instrument, RolloutPhase
from .selectors import (
    InstrumentFilters,
    assessments_of,
    instrument_list,
    instruments_without_imvo_page,
    level_decision_current,
)
from .services import (
    assessment_create,
    follow_up_resolve,
    instrument_save,
    instruments_import_csv,
    level_publish,
    phase_save,
)
from .services.framework import risk_suggestion_for
from .services.imports import COLUMNS, ImportFileError


class InstrumentStaffMixin(PolicyRequiredMixin):
    policy = "instrument.manage"
    permission_denied_message = gettext_lazy("The back-office is for RVO staff only.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(section="instruments", **kwargs)


class InstrumentObjectMixin(InstrumentStaffMixin):
    def load_objects(self):
        self.instrument = get_object_or_404(Instrument, pk=self.kwargs["pk"])


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


class StaffInstrumentListView(InstrumentStaffMixin, ListView):
    template_name = "instruments/staff/list.html"
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


class StaffInstrumentFormView(InstrumentStaffMixin, View):
    template = "instruments/staff/form.html"

    def instrument(self):
        return None

    def get(self, request, **kwargs):
        return render(
            request,
            self.template,
            {
                "form": InstrumentForm(instance=self.instrument()),
                "instrument": self.instrument(),
                "section": "instruments",
            },
        )

    def post(self, request, **kwargs):
        current = self.instrument()
        form = InstrumentForm(request.POST, instance=current)
        if form.is_valid():
            try:
                instrument = instrument_save(
                    actor=request.user, data=form.cleaned_data, instrument=current, request=request
                )
            except ValidationError as exc:
                for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("The instrument has been saved."))
                return redirect("instrument_staff:detail", pk=instrument.pk)
        return render(
            request, self.template, {"form": form, "instrument": current, "section": "instruments"}, status=400
        )


class StaffInstrumentCreateView(StaffInstrumentFormView):
    pass


class StaffInstrumentEditView(InstrumentObjectMixin, StaffInstrumentFormView):
    def instrument(self):
        return self.instrument_obj

    def load_objects(self):
        self.instrument_obj = get_object_or_404(Instrument, pk=self.kwargs["pk"])


class StaffInstrumentDetailView(InstrumentObjectMixin, TemplateView):
    template_name = "instruments/staff/detail.html"

    def get_context_data(self, **kwargs):
        instrument = self.instrument
        return super().get_context_data(
            instrument=instrument,
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


class StaffAssessView(InstrumentObjectMixin, View):
    template = "instruments/staff/assess.html"

    def context(self, form):
        latest = assessments_of(self.instrument).first()
        return {
            "instrument": self.instrument,
            "form": form,
            "latest": latest,
            "suggested_risk": risk_suggestion_for(self.instrument),
            "section": "instruments",
        }

    def get(self, request, pk):
        latest = assessments_of(self.instrument).first()
        initial = {"imvo_risk": risk_suggestion_for(self.instrument)}
        if latest:
            for c in Criterion.values:
                initial[c] = getattr(latest, c)
                initial[f"{c}_reason"] = getattr(latest, f"{c}_reason")
            initial["risk_override_reason"] = latest.risk_override_reason
        return render(request, self.template, self.context(AssessmentForm(initial=initial)))

    def post(self, request, pk):
        form = AssessmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                assessment = assessment_create(
                    instrument=self.instrument,
                    actor=request.user,
                    scores={c: data[c] for c in Criterion.values},
                    reasons={c: data[f"{c}_reason"] for c in Criterion.values},
                    change_reason=data["change_reason"],
                    risk_override_reason=data["risk_override_reason"],
                    request=request,
                )
            except DomainError as exc:
                form.add_error("risk_override_reason", exc.message)
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(
                    request,
                    _("Assessment version %(version)s saved; suggested level %(level)s.")
                    % {"version": assessment.version, "level": assessment.suggested_level},
                )
                return redirect("instrument_staff:level", pk=pk)
        return render(request, self.template, self.context(form), status=400)


class StaffAssessmentVersionView(InstrumentObjectMixin, TemplateView):
    template_name = "instruments/staff/assessment.html"

    def get_context_data(self, **kwargs):
        assessment = (
            Assessment.objects.filter(instrument=self.instrument, version=self.kwargs["version"])
            .select_related("created_by")
            .first()
        )
        if assessment is None:
            raise Http404
        rows = [(label, getattr(assessment, c), getattr(assessment, f"{c}_reason")) for c, label in Criterion.choices]
        return super().get_context_data(instrument=self.instrument, assessment=assessment, rows=rows, **kwargs)


class StaffLevelView(InstrumentObjectMixin, View):
    template = "instruments/staff/level.html"

    def context(self, form):
        return {
            "instrument": self.instrument,
            "form": form,
            "assessment": assessments_of(self.instrument).first(),
            "decision": level_decision_current(self.instrument),
            "section": "instruments",
        }

    def get(self, request, pk):
        assessment = assessments_of(self.instrument).first()
        decision = level_decision_current(self.instrument)
        initial = {"level": assessment.suggested_level if assessment else 0}
        if decision:
            initial.update({f"purpose_{k}": v for k, v in decision.purpose_links.items()}, phase=decision.phase)
        return render(request, self.template, self.context(LevelForm(initial=initial)))

    def post(self, request, pk):
        form = LevelForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decision = level_publish(
                    instrument=self.instrument,
                    actor=request.user,
                    level=data["level"],
                    purpose_links=form.purpose_links(),
                    phase=data["phase"],
                    higher_reason=data["higher_reason"],
                    request=request,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, _("Level %(level)s published.") % {"level": decision.level})
                return redirect("instrument_staff:detail", pk=pk)
        return render(request, self.template, self.context(form), status=400)


class StaffPhaseListView(InstrumentStaffMixin, TemplateView):
    template_name = "instruments/staff/phases.html"

    def get_context_data(self, **kwargs):
        phases = RolloutPhase.objects.order_by("number").annotate(
            instrument_count=Count("decisions__instrument", distinct=True)
        )
        return super().get_context_data(phases=phases, **kwargs)


class StaffPhaseFormView(InstrumentStaffMixin, View):
    template = "instruments/staff/phase_form.html"

    def phase(self):
        pk = self.kwargs.get("pk")
        return get_object_or_404(RolloutPhase, pk=pk) if pk else None

    def get(self, request, **kwargs):
        return render(request, self.template, {"form": PhaseForm(instance=self.phase()), "section": "instruments"})

    def post(self, request, **kwargs):
        phase = self.phase()
        form = PhaseForm(request.POST, instance=phase)
        if form.is_valid():
            try:
                phase_save(actor=request.user, data=form.cleaned_data, phase=phase, request=request)
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, _("The roll-out phase has been saved."))
                return redirect("instrument_staff:phases")
        return render(request, self.template, {"form": form, "section": "instruments"}, status=400)


class StaffImportView(InstrumentStaffMixin, View):
    template = "instruments/staff/import.html"

    def get(self, request):
        return render(request, self.template, {"form": ImportForm(), "columns": COLUMNS, "section": "instruments"})

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
        return render(
            request,
            self.template,
            {"form": form, "report": report, "columns": COLUMNS, "section": "instruments"},
            status=status,
        )


class StaffFollowUpResolveView(InstrumentStaffMixin, View):
    def post(self, request, pk):
        follow_up = get_object_or_404(FrameworkFollowUp, pk=pk)
        follow_up_resolve(follow_up=follow_up, actor=request.user, request=request)
        messages.success(request, _("The follow-up has been marked as done."))
        return redirect("instrument_staff:detail", pk=follow_up.application.instrument_id)
