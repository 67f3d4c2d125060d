"""Organisations in the back-office: which are unverified, and verifying one (RVO staff)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from core.exceptions import DomainError
from organisations.services import organisation_verify

from .. import selectors
from ..constants import PAGE_SIZE
from ..forms import OrganisationVerifyForm
from .base import StaffPageMixin, form_errors


class OrganisationListView(StaffPageMixin, ListView):
    """Every organisation with its verification badge, unverified first; filter and search."""

    template_name = "staff/organisation_list.html"
    section = "organisations"
    paginate_by = PAGE_SIZE
    context_object_name = "organisations"

    def get_queryset(self):
        self.verification = self.request.GET.get("verification", "all")
        if self.verification not in selectors.ORGANISATION_VERIFICATION_FILTERS:
            self.verification = "all"
        self.query = self.request.GET.get("q", "")[:200]
        return selectors.organisation_list_for_staff(verification=self.verification, query=self.query)

    def get_context_data(self, **kwargs):
        return super().get_context_data(verification=self.verification, query=self.query, **kwargs)


class OrganisationMixin(StaffPageMixin):
    section = "organisations"

    def load_objects(self):
        self.organisation = selectors.organisation_get_for_staff(pk=self.kwargs["pk"])


class OrganisationDetailView(OrganisationMixin, TemplateView):
    """The organisation, its administrators and signatories, and (while unverified) the verify form."""

    template_name = "staff/organisation_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            organisation=self.organisation,
            memberships=selectors.organisation_memberships_for_staff(organisation=self.organisation),
            form=kwargs.pop("form", None) or OrganisationVerifyForm(),
            **kwargs,
        )


class OrganisationVerifyView(OrganisationMixin, View):
    policy = "organisation.verify"

    def post(self, request, pk):
        form = OrganisationVerifyForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return redirect("staff:organisation_detail", pk=pk)
        try:
            organisation_verify(
                actor=request.user, organisation=self.organisation, reason=form.cleaned_data["reason"], request=request
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(name)s is verified: its authorised signatories can sign declarations now.")
                % {"name": self.organisation.name},
            )
        return redirect("staff:organisation_detail", pk=pk)
