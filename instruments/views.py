"""Public instrument pages and the applicant's IMVO conditions (thin: permission → form → service)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from declarations.constants import Decision
from declarations.exceptions import ReuseNoLongerValid
from declarations.selectors import declaration_reusable_for, declaration_text_for, declarations_of_subject
from declarations.services import DeclarationInput
from imvo_portal.exceptions import DomainError
from imvo_portal.page_cache import AnonymousPageCacheMixin
from organisations.models import Membership
from organisations.policies import PolicyRequiredMixin, can

from . import resources
from .conditions import asks
from .constants import PAGE_CACHE_NAMESPACE
from .forms import (
    ApplicationStartForm,
    ConfirmReadForm,
    InstrumentDeclarationForm,
    InstrumentFilterForm,
    SelfAssessmentForm,
)
from .selectors import (
    InstrumentFilters,
    application_get_for,
    application_progress,
    instrument_conditions,
    instrument_get,
    instrument_list,
    level_decision_current,
)
from .services import (
    application_confirm_read,
    application_declaration_sign,
    application_self_assessment_submit,
    application_start,
)


def _language() -> str:
    return (get_language() or "nl")[:2]


def imvo_url(instrument) -> str:
    return reverse("instrument_imvo:page", args=[instrument.slug])


class InstrumentListView(AnonymousPageCacheMixin, ListView):
    """The public registry. Cached per language and filter for anonymous visitors, except a
    search (free text: unbounded, so never an entry); retired by the instrument services. A level
    that comes into force at midnight shows there at most ``PAGE_CACHE_SECONDS`` later."""

    page_cache_namespace = PAGE_CACHE_NAMESPACE
    page_cache_params = ("q", "kind", "policy_area", "stage", "page")
    page_cache_live_params = ("q",)
    template_name = "instruments/list.html"
    context_object_name = "instruments"
    paginate_by = 20

    def get_queryset(self):
        self.filter_form = InstrumentFilterForm(self.request.GET or None)
        filters = InstrumentFilters()
        if self.filter_form.is_bound and self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            filters = InstrumentFilters(
                q=data["q"].strip(), kind=data["kind"], policy_area=data["policy_area"], stage=data["stage"]
            )
        elif self.filter_form.is_bound:
            messages.warning(self.request, _("One of the filters was not valid and was ignored."))
        self.filters = filters
        return instrument_list(filters=filters)

    def get_context_data(self, **kwargs):
        query = {k: v for k, v in self.request.GET.items() if k != "page" and v}
        return super().get_context_data(
            filter_form=self.filter_form,
            query_string=urlencode(query),
            is_filtered=any(vars(self.filters).values()),
            **kwargs,
        )


class InstrumentDetailView(AnonymousPageCacheMixin, TemplateView):
    page_cache_namespace = PAGE_CACHE_NAMESPACE
    page_cache_params = ()
    template_name = "instruments/detail.html"

    def get_context_data(self, **kwargs):
        instrument = instrument_get(slug=self.kwargs["slug"])
        decision = level_decision_current(instrument)
        user = self.request.user
        memberships = []
        if user.is_authenticated:
            memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
        applications = []
        if memberships:
            applications = list(
                instrument.applications.filter(organisation_id__in=[m.organisation_id for m in memberships]).order_by(
                    "-created_at"
                )[:20]
            )
        return super().get_context_data(
            instrument=instrument,
            decision=decision,
            level_now=instrument.level_now,
            today=timezone.localdate(),
            conditions=instrument_conditions(instrument, decision),
            imvo_url=imvo_url(instrument),
            start_form=ApplicationStartForm(memberships=memberships) if memberships else None,
            applications=applications,
            **kwargs,
        )


class ApplicationStartView(PolicyRequiredMixin, View):
    """Start (or open again) an application's IMVO conditions for this instrument (members)."""

    policy = "portal.use"

    def post(self, request, slug):
        instrument = instrument_get(slug=slug)
        memberships = list(Membership.objects.filter(user=request.user).select_related("organisation"))
        form = ApplicationStartForm(request.POST, memberships=memberships)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(instrument.get_absolute_url())
        organisation = next(
            m.organisation for m in memberships if m.organisation_id == form.cleaned_data["organisation"]
        )
        application = application_start(
            instrument=instrument,
            organisation=organisation,
            reference=form.cleaned_data["reference"],
            actor=request.user,
            brochure_version=resources.imvo_brochure_version(instrument, language=_language()),
            request=request,
        )
        return redirect("instruments:application", pk=application.pk)


class ApplicationMixin(PolicyRequiredMixin):
    policy = "instrument.application_view"

    def get_policy_object(self):
        self.application = application_get_for(user=self.request.user, pk=self.kwargs["pk"])
        return self.application

    def page(self, request, **extra):
        application = self.application
        shown = declaration_text_for(application, language=_language())
        text = shown.text if shown else None
        reusable = None
        if asks(application.level, "declaration") and text is not None:
            reusable = declaration_reusable_for(
                organisation=application.organisation, text=text, exclude_subject=application
            )
        context = {
            "application": application,
            "instrument": application.instrument,
            "imvo_url": imvo_url(application.instrument),
            "progress": application_progress(application, user=request.user),
            "text": text,
            "text_body": shown.body if shown else "",
            "reusable": reusable,
            "may_sign": can(request.user, "declaration.sign", application),
            "may_act": can(request.user, "instrument.apply", application),
            "read_form": ConfirmReadForm(),
            "declaration_form": InstrumentDeclarationForm(),
            "self_form": SelfAssessmentForm(),
            "follow_ups": application.follow_ups.order_by("-created_at"),
            "self_assessments": application.self_assessments.order_by("-submitted_at"),
            "declarations": declarations_of_subject(application).select_related("receipt", "text"),
            **extra,
        }
        return render(request, "instruments/application.html", context, status=400 if extra else 200)


class ApplicationDetailView(ApplicationMixin, View):
    def get(self, request, pk):
        return self.page(request)


class ApplicationConfirmReadView(ApplicationMixin, View):
    def post(self, request, pk):
        form = ConfirmReadForm(request.POST)
        if not form.is_valid():
            return self.page(request, read_form=form)
        try:
            application_confirm_read(
                application=self.application,
                actor=request.user,
                brochure_version=resources.imvo_brochure_version(self.application.instrument, language=_language()),
                request=request,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Recorded: you have read the IMVO information."))
        return redirect("instruments:application", pk=pk)


class ApplicationSignView(ApplicationMixin, View):
    def post(self, request, pk):
        if not can(request.user, "declaration.sign", self.application):
            raise PermissionDenied(_("Only an authorised signatory of the organisation can sign the declaration."))
        shown = declaration_text_for(self.application, language=_language())
        text = shown.text if shown else None
        if request.POST.get("action") == "reuse":
            earlier = (
                declaration_reusable_for(
                    organisation=self.application.organisation, text=text, exclude_subject=self.application
                )
                if text
                else None
            )
            if earlier is None or str(earlier.pk) != request.POST.get("reused_from"):
                messages.error(request, ReuseNoLongerValid.message)
                return redirect("instruments:application", pk=pk)
            position = (request.POST.get("reuse_position") or "").strip()[:150]
            if not position:
                messages.error(request, _("Fill in your position to confirm the earlier declaration again."))
                return redirect("instruments:application", pk=pk)
            # The new record names the signatory who acts now, and the earlier record it rests on.
            answer = DeclarationInput(
                decision=Decision.ENDORSED,
                signatory_name=request.user.full_name or request.user.email,
                signatory_position=position,
                confirms_authority=True,
                text_id=text.pk,
                reused_from_id=earlier.pk,
            )
        else:
            form = InstrumentDeclarationForm(request.POST)
            if not form.is_valid():
                return self.page(request, declaration_form=form)
            answer = DeclarationInput(**form.cleaned_data, text_id=text.pk if text else None)
        try:
            application_declaration_sign(
                application=self.application, actor=request.user, answer=answer, request=request
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if answer.decision == Decision.ENDORSED:
                messages.success(
                    request, _("Thank you: the declaration has been recorded. Your receipt is being made.")
                )
            else:
                messages.info(
                    request, _("Your answer has been recorded. Your application is not affected; RVO will contact you.")
                )
        return redirect("instruments:application", pk=pk)


class ApplicationSelfAssessmentView(ApplicationMixin, View):
    def post(self, request, pk):
        form = SelfAssessmentForm(request.POST)
        if not form.is_valid():
            return self.page(request, self_form=form)
        try:
            assessment = application_self_assessment_submit(
                application=self.application, actor=request.user, answers=form.cleaned_data, request=request
            )
        except (DomainError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            if assessment.falls_short:
                messages.info(
                    request,
                    _("Recorded. RVO will send you guidance on the steps still to take; your application goes on."),
                )
            else:
                messages.success(request, _("Your self-assessment has been recorded."))
        return redirect("instruments:application", pk=pk)
