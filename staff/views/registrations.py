"""Registrations of a mission and the staff decisions on them (through ``missions.services``)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from core.exceptions import DomainError
from declarations.receipt_files import receipt_file_missing
from declarations.selectors import declarations_of_subject
from missions import services as mission_services
from missions.constants import RegistrationStatus
from missions.lifecycle import STAFF_REGISTRATION_ACTIONS, actions_available
from missions.models import Registration

from .. import selectors
from ..constants import PAGE_SIZE
from ..forms import RegistrationActionForm, RegistrationFilterForm
from ..models import FollowUpAction
from .base import MissionMixin, StaffPageMixin, form_errors


class RegistrationListView(MissionMixin, ListView):
    template_name = "staff/registration_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "registrations"

    def get_queryset(self):
        self.filter_form = RegistrationFilterForm(self.request.GET or None)
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        self.sort = filters.get("sort") or "status"
        return selectors.registration_list_for_mission(mission=self.mission, filters=filters)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter_form=self.filter_form, sort=self.sort, mix=selectors.mission_mix(mission=self.mission), **kwargs
        )


class RegistrationDetailView(StaffPageMixin, TemplateView):
    template_name = "staff/registration_detail.html"
    section = "missions"

    def get_context_data(self, **kwargs):
        registration = get_object_or_404(
            Registration.objects.select_related(
                "organisation", "mission", "submitted_by", "current_declaration"
            ).exclude(status=RegistrationStatus.DRAFT),
            pk=self.kwargs["pk"],
        )
        declarations = list(declarations_of_subject(registration).select_related("personal", "receipt"))
        # A receipt marked ready whose stored file is gone: staff may have it made again too.
        lost_receipts = {
            d.receipt.pk for d in declarations if hasattr(d, "receipt") and receipt_file_missing(d.receipt)
        }
        actions = {
            t.action
            for t in actions_available("registration", registration.status, user=self.request.user, obj=registration)
            if t.action in STAFF_REGISTRATION_ACTIONS
        }
        return super().get_context_data(
            registration=registration,
            mission=registration.mission,
            participants=registration.participants.all(),
            declarations=declarations,
            lost_receipts=lost_receipts,
            follow_ups=FollowUpAction.objects.filter(
                organisation=registration.organisation, mission=registration.mission
            ).select_related("owner"),
            can_confirm="confirm" in actions,
            can_promote="promote" in actions,
            can_reject="reject" in actions,
            can_withdraw="withdraw" in actions,
            **kwargs,
        )


class RegistrationActionView(StaffPageMixin, View):
    def post(self, request, pk):
        registration = get_object_or_404(Registration.objects.select_related("mission"), pk=pk)
        form = RegistrationActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return redirect("staff:registration_detail", pk=pk)
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            if action == "confirm":
                registration = mission_services.registration_confirm(
                    registration=registration, actor=request.user, request=request
                )
                if registration.status == RegistrationStatus.WAITLISTED:
                    done = _(
                        "No seat was free, so the registration is now number %(position)s on the waiting list. "
                        "The organisation has been informed."
                    ) % {"position": registration.waitlist_position}
                else:
                    done = _("The registration has been confirmed and the organisation informed.")
            elif action == "promote":
                mission_services.registration_promote(registration=registration, actor=request.user, request=request)
                done = _("The registration has moved up from the waiting list and the organisation informed.")
            elif action == "reject":
                mission_services.registration_reject(
                    registration=registration, actor=request.user, reason=reason, request=request
                )
                done = _("The registration has been rejected and the organisation informed.")
            else:
                mission_services.registration_withdraw(
                    registration=registration, actor=request.user, reason=reason, request=request
                )
                done = _("The registration has been withdrawn on behalf of the organisation, who has been informed.")
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
        return redirect("staff:registration_detail", pk=pk)
