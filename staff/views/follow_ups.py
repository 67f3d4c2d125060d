"""IMVO follow-up actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView

from organisations.policies import safe_next_url

from .. import selectors, services
from ..constants import PAGE_SIZE
from ..forms import FollowUpForm
from ..models import FollowUpAction
from .base import MissionMixin, StaffPageMixin


class FollowUpListView(StaffPageMixin, ListView):
    template_name = "staff/follow_up_list.html"
    section = "follow_up"
    paginate_by = PAGE_SIZE
    context_object_name = "actions"

    def get_queryset(self):
        self.state = self.request.GET.get("state", "open")
        mine = self.request.GET.get("mine") == "1"
        return selectors.follow_up_list(state=self.state, owner=self.request.user if mine else None)

    def get_context_data(self, **kwargs):
        return super().get_context_data(state=self.state, mine=self.request.GET.get("mine") == "1", **kwargs)


class FollowUpCreateView(MissionMixin, FormView):
    template_name = "staff/form.html"
    form_class = FollowUpForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "organisations": selectors.organisations_with_registration(mission=self.mission),
        }

    def get_initial(self):
        return {
            "organisation": self.request.GET.get("organisation"),
            "owner": self.request.user,
            "due_on": timezone.localdate() + timezone.timedelta(days=14),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("New IMVO follow-up action"),
            intro=_("Record what RVO and the organisation agreed, for example after the declaration was declined."),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.follow_up_create(actor=self.request.user, mission=self.mission, request=self.request, **data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The follow-up action has been added."))
        return redirect("staff:mission_detail", pk=self.mission.pk)


class FollowUpEditView(StaffPageMixin, FormView):
    template_name = "staff/form.html"
    form_class = FollowUpForm
    section = "follow_up"

    def load_objects(self):
        self.action = get_object_or_404(
            FollowUpAction.objects.select_related("organisation", "mission"), pk=self.kwargs["pk"]
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.action}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Follow-up action for %(organisation)s") % {"organisation": self.action.organisation},
            mission=self.action.mission,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.follow_up_update(
                actor=self.request.user, action=self.action, data=form.cleaned_data, request=self.request
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The follow-up action has been saved."))
        return redirect("staff:follow_up_list")


class FollowUpDoneView(StaffPageMixin, View):
    def post(self, request, pk):
        action = get_object_or_404(FollowUpAction, pk=pk)
        services.follow_up_update(
            actor=request.user, action=action, data={"done": request.POST.get("done") == "1"}, request=request
        )
        messages.success(request, _("The follow-up action has been updated."))
        return redirect(safe_next_url(request, request.POST.get("next"), reverse("staff:follow_up_list")))
