"""Public instrument pages and the applicant's IMVO conditions (thin: permission → form → service)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from core.exceptions import DomainError
from core.forms import failed_post_redirect, failed_post_restore
from core.page_cache import AnonymousPageCacheMixin
from declarations.constants import Decision
from declarations.exceptions import ReuseNoLongerValid
from declarations.selectors import declaration_reusable_for, declaration_text_for, declarations_of_subject
from declarations.services import DeclarationInput
from organisations.models import Membership
from organisations.policies import OrganisationUnverified, PolicyRequiredMixin, can, organisation_unverified

from . import resources
from .conditions import asks
from .constants import PAGE_CACHE_NAMESPACE
from .forms import (
    ApplicationStartForm,
    ConfirmReadForm,
    InstrumentDeclarationForm,
    InstrumentFilterForm,
    ReuseDeclarationForm,
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
    receipt_facts,
    signature_requests_of,
)
from .services import (
    application_confirm_read,
    application_declaration_sign,
    application_self_assessment_submit,
    application_start,
    signature_request_create,
)
from .services.applications import application_conditions_met


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
    """Start (or open again) an application's IMVO conditions for this instrument (members).

    The instrument page posts here; a failed submit comes back here (GET) with the error summary
    and what was typed (``failed_post_redirect``)."""

    policy = "portal.use"

    def _memberships(self, request):
        return list(Membership.objects.filter(user=request.user).select_related("organisation"))

    def get(self, request, slug):
        instrument = instrument_get(slug=slug)
        memberships = self._memberships(request)
        form = failed_post_restore(request, ApplicationStartForm, memberships=memberships)
        form = form or ApplicationStartForm(memberships=memberships)
        return render(
            request,
            "instruments/application_start.html",
            {"instrument": instrument, "form": form if memberships else None, "imvo_url": imvo_url(instrument)},
        )

    def post(self, request, slug):
        instrument = instrument_get(slug=slug)
        memberships = self._memberships(request)
        form = ApplicationStartForm(request.POST, memberships=memberships)
        if not form.is_valid():
            return failed_post_redirect(request, form)
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


#: The forms of the application page, by the key a failed submit is kept under.
PAGE_FORMS = {
    "read_form": ConfirmReadForm,
    "declaration_form": InstrumentDeclarationForm,
    "reuse_form": ReuseDeclarationForm,
    "self_form": SelfAssessmentForm,
}


class ApplicationMixin(PolicyRequiredMixin):
    policy = "instrument.application_view"

    def get_policy_object(self):
        self.application = application_get_for(user=self.request.user, pk=self.kwargs["pk"])
        return self.application

    def failed(self, request, key: str, form, error: DomainError | None = None):
        """Back to the application page, which shows ``form`` again with its errors (and ``error``)."""
        if error is not None:
            form.add_error(None, error.message)
        url = reverse("instruments:application", args=[self.application.pk])
        return failed_post_redirect(request, form, to=url, key=key)

    def page(self, request):
        application = self.application
        shown = declaration_text_for(application, language=_language())
        text = shown.text if shown else None
        reusable = None
        if asks(application.level, "declaration") and text is not None:
            reusable = declaration_reusable_for(
                organisation=application.organisation, text=text, exclude_subject=application
            )
        forms = {
            key: failed_post_restore(request, form_class, key=key) or form_class()
            for key, form_class in PAGE_FORMS.items()
        }
        personal = getattr(reusable, "personal", None) if reusable else None
        if not forms["reuse_form"].is_bound and personal and reusable.user_id == request.user.pk:
            forms["reuse_form"] = ReuseDeclarationForm(initial={"reuse_position": personal.signatory_position})
        may_sign = can(request.user, "declaration.sign", application)
        unverified = organisation_unverified(request.user, application)
        may_act = can(request.user, "instrument.apply", application)
        context = {
            "application": application,
            "instrument": application.instrument,
            "imvo_url": imvo_url(application.instrument),
            "progress": application_progress(application, user=request.user),
            "text": text,
            "text_body": shown.body if shown else "",
            "reusable": reusable,
            "may_sign": may_sign,
            "organisation_unverified": unverified,
            "may_act": may_act,
            **forms,
            "follow_ups": application.follow_ups.order_by("-created_at"),
            "self_assessments": application.self_assessments.order_by("-submitted_at"),
            "declarations": declarations_of_subject(application).select_related("receipt", "text"),
            # The confirmation (instruments/_confirmation.html) and the request to the signatories
            # (instruments/_ask_signatory.html).
            "conditions_met": application_conditions_met(application),
            "receipt": receipt_facts(application.current_declaration),
            "signature_requests": signature_requests_of(application),
            "may_ask_signatory": may_act and not may_sign and not unverified,
        }
        return render(request, "instruments/application.html", context)


class ApplicationDetailView(ApplicationMixin, View):
    def get(self, request, pk):
        return self.page(request)


class ApplicationConfirmReadView(ApplicationMixin, View):
    def post(self, request, pk):
        form = ConfirmReadForm(request.POST)
        if not form.is_valid():
            return self.failed(request, "read_form", form)
        try:
            application_confirm_read(
                application=self.application,
                actor=request.user,
                brochure_version=resources.imvo_brochure_version(self.application.instrument, language=_language()),
                request=request,
            )
        except DomainError as exc:
            return self.failed(request, "read_form", form, exc)
        messages.success(request, _("Recorded: you have read the IMVO information."))
        return redirect("instruments:application", pk=pk)


class ApplicationSignView(ApplicationMixin, View):
    def post(self, request, pk):
        if organisation_unverified(request.user, self.application):
            messages.error(request, OrganisationUnverified.message)
            return redirect(reverse("instruments:application", kwargs={"pk": pk}) + "#sign")
        if not can(request.user, "declaration.sign", self.application):
            raise PermissionDenied(_("Only an authorised signatory of the organisation can sign the declaration."))
        shown = declaration_text_for(self.application, language=_language())
        text = shown.text if shown else None
        if request.POST.get("action") == "reuse":
            key, form = "reuse_form", ReuseDeclarationForm(request.POST)
            if not form.is_valid():
                return self.failed(request, key, form)
            earlier = (
                declaration_reusable_for(
                    organisation=self.application.organisation, text=text, exclude_subject=self.application
                )
                if text
                else None
            )
            if earlier is None or earlier.pk != form.cleaned_data["reused_from"]:
                return self.failed(request, key, form, ReuseNoLongerValid())
            # The new record names the signatory who acts now, and the earlier record it rests on.
            answer = DeclarationInput(
                decision=Decision.ENDORSED,
                signatory_name=request.user.full_name or request.user.email,
                signatory_position=form.cleaned_data["reuse_position"].strip(),
                confirms_authority=True,
                text_id=text.pk,
                reused_from_id=earlier.pk,
            )
        else:
            key, form = "declaration_form", InstrumentDeclarationForm(request.POST)
            if not form.is_valid():
                return self.failed(request, key, form)
            answer = DeclarationInput(**form.cleaned_data, text_id=text.pk if text else None)
        try:
            application_declaration_sign(
                application=self.application, actor=request.user, answer=answer, request=request
            )
        except DomainError as exc:
            return self.failed(request, key, form, exc)
        if answer.decision == Decision.ENDORSED:
            messages.success(request, _("Thank you: the declaration has been recorded. Your receipt is being made."))
        else:
            messages.info(
                request, _("Your answer has been recorded. Your application is not affected; RVO will contact you.")
            )
        return redirect("instruments:application", pk=pk)


class ApplicationSelfAssessmentView(ApplicationMixin, View):
    def post(self, request, pk):
        form = SelfAssessmentForm(request.POST)
        if not form.is_valid():
            return self.failed(request, "self_form", form)
        try:
            assessment = application_self_assessment_submit(
                application=self.application, actor=request.user, answers=form.cleaned_data, request=request
            )
        except DomainError as exc:
            return self.failed(request, "self_form", form, exc)
        if assessment.falls_short:
            messages.info(
                request,
                _("Recorded. RVO will send you guidance on the steps still to take; your application goes on."),
            )
        else:
            messages.success(request, _("Your self-assessment has been recorded."))
        return redirect("instruments:application", pk=pk)


class ApplicationAskSignatoryView(ApplicationMixin, View):
    """A member who cannot sign asks the organisation's authorised signatories by e-mail."""

    def post(self, request, pk):
        try:
            signature_request = signature_request_create(
                application=self.application, actor=request.user, request=request
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            names = ", ".join(user.full_name or user.email for user in signature_request.recipients.all())
            messages.success(request, _("We have asked by e-mail: %(names)s.") % {"names": names})
        return redirect(reverse("instruments:application", args=[pk]) + "#sign")
