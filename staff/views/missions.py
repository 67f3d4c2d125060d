"""Missions: list, create, edit and the lifecycle buttons (``missions.lifecycle``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from core.exceptions import DomainError
from missions import services as mission_services
from missions.constants import MissionStatus
from missions.lifecycle import actions_available

from .. import selectors
from ..constants import PAGE_SIZE
from ..forms import MissionForm, MissionTransitionForm
from .base import MissionMixin, StaffPageMixin


class MissionListView(StaffPageMixin, ListView):
    template_name = "staff/mission_list.html"
    section = "missions"
    paginate_by = PAGE_SIZE
    context_object_name = "missions"

    def get_queryset(self):
        return selectors.mission_list_for_staff(
            status=self.request.GET.get("status", ""), q=self.request.GET.get("q", "").strip()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            statuses=MissionStatus.choices,
            status=self.request.GET.get("status", ""),
            q=self.request.GET.get("q", ""),
            **kwargs,
        )
        # Counts for the page shown only, in one query (the paginator counts missions alone).
        context["missions"] = context["object_list"] = selectors.mission_counts_attach(context["missions"])
        if context.get("page_obj"):
            context["page_obj"].object_list = context["missions"]
        return context


class MissionCreateView(StaffPageMixin, FormView):
    template_name = "staff/form.html"
    form_class = MissionForm
    section = "missions"

    def get_initial(self):
        return {"capacity_min": 5, "capacity_max": 15, "requires_declaration": True, "lead_contact": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("New mission"), **kwargs)

    def form_valid(self, form):
        try:
            mission = mission_services.mission_create(
                actor=self.request.user, data=form.cleaned_data, request=self.request
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The mission has been saved as a draft. Publish it when it is ready."))
        return redirect("staff:mission_detail", pk=mission.pk)


class MissionDetailView(MissionMixin, TemplateView):
    template_name = "staff/mission_detail.html"

    def get_context_data(self, **kwargs):
        mission = self.mission
        transitions = [t.action for t in actions_available("mission", mission.status, user=self.request.user)]
        return super().get_context_data(
            mix=selectors.mission_mix(mission=mission),
            sessions=selectors.session_queryset().filter(mission=mission).order_by("starts_at"),
            follow_ups=selectors.follow_up_list(state="all", mission_id=mission.pk)[:50],
            publish_problems=mission_services.mission_publish_problems(mission) if "publish" in transitions else [],
            transitions=transitions,
            **kwargs,
        )


class MissionEditView(MissionMixin, FormView):
    template_name = "staff/form.html"
    form_class = MissionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.mission}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Edit mission"), **kwargs)

    def form_valid(self, form):
        try:
            mission_services.mission_update(
                actor=self.request.user, mission=self.mission, data=form.cleaned_data, request=self.request
            )
        except DomainError as error:
            form.add_error("capacity_max", error.message)
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The mission has been saved."))
        return redirect("staff:mission_detail", pk=self.mission.pk)


class MissionTransitionView(MissionMixin, View):
    def post(self, request, pk):
        form = MissionTransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a valid action."))
            return redirect("staff:mission_detail", pk=pk)
        action = form.cleaned_data["action"]
        try:
            mission = mission_services.mission_transition(
                actor=request.user,
                mission=self.mission,
                action=action,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The mission now has status “%(status)s”.") % {"status": mission.get_status_display()}
            )
        return redirect("staff:mission_detail", pk=pk)
