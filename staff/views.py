"""The RVO back-office. Every view is for the ``rvo_staff`` group only (``StaffRequiredMixin``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from audit.services import audit_event_record
from declarations.models import Declaration
from missions.constants import MissionStatus, RegistrationStatus
from missions.exceptions import MissionError
from missions.models import Registration

from . import selectors, services
from .access import StaffRequiredMixin
from .constants import AUDIT_PAGE_SIZE, PAGE_SIZE, AttendanceStatus
from .exceptions import StaffActionError
from .exports import export_response
from .forms import (
    AgendaItemForm,
    AuditFilterForm,
    FollowUpForm,
    MissionForm,
    MissionTransitionForm,
    RegistrationActionForm,
    RegistrationFilterForm,
    SessionForm,
    SessionNotesForm,
)
from .ics import session_ics
from .models import AgendaItem, FollowUpAction

# Brochure management belongs to the brochures app; we link to it once it exists.
BROCHURE_STAFF_URL_NAMES = ("brochures:manage", "brochures:staff_list")


def brochure_management_url() -> str | None:
    for name in BROCHURE_STAFF_URL_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)


class StaffPageMixin(StaffRequiredMixin):
    section = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section=self.section, brochure_management_url=brochure_management_url(), **kwargs
        )


# --- Overview ---------------------------------------------------------------------------------


class OverviewView(StaffPageMixin, TemplateView):
    template_name = "staff/overview.html"
    section = "overview"

    def get_context_data(self, **kwargs):
        follow_ups = list(selectors.follow_ups_open()[:20])
        return super().get_context_data(
            missions=selectors.missions_upcoming()[:20],
            awaiting_review=selectors.registrations_awaiting_review()[:20],
            pending_signature=selectors.registrations_pending_signature()[:20],
            declined=selectors.registrations_declined()[:20],
            sessions=selectors.sessions_upcoming(),
            follow_ups=follow_ups,
            overdue_count=sum(1 for a in follow_ups if a.is_overdue),
            **kwargs,
        )


# --- Missions ---------------------------------------------------------------------------------


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
        return super().get_context_data(
            statuses=MissionStatus.choices,
            status=self.request.GET.get("status", ""),
            q=self.request.GET.get("q", ""),
            **kwargs,
        )


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
            mission = services.mission_create(actor=self.request.user, data=form.cleaned_data, request=self.request)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The mission has been saved as a draft. Publish it when it is ready."))
        return redirect("staff:mission_detail", pk=mission.pk)


class MissionMixin(StaffPageMixin):
    section = "missions"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_rvo_staff:
            self.mission = selectors.mission_get_for_staff(pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(mission=self.mission, **kwargs)


class MissionDetailView(MissionMixin, TemplateView):
    template_name = "staff/mission_detail.html"

    def get_context_data(self, **kwargs):
        mission = self.mission
        transitions = [
            action for action, (allowed, _target) in services.MISSION_TRANSITIONS.items() if mission.status in allowed
        ]
        return super().get_context_data(
            mix=selectors.mission_mix(mission=mission),
            sessions=selectors.session_queryset().filter(mission=mission).order_by("starts_at"),
            follow_ups=selectors.follow_up_list(state="all", mission_id=mission.pk)[:50],
            publish_problems=services.mission_publish_problems(mission) if "publish" in transitions else [],
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
            services.mission_update(
                actor=self.request.user, mission=self.mission, data=form.cleaned_data, request=self.request
            )
        except StaffActionError as error:
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
            mission = services.mission_transition(
                actor=request.user,
                mission=self.mission,
                action=action,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except StaffActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The mission now has status “%(status)s”.") % {"status": mission.get_status_display()}
            )
        return redirect("staff:mission_detail", pk=pk)


# --- Registrations ------------------------------------------------------------------------------


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
        declarations = (
            Declaration.objects.filter(registration=registration).select_related("personal").order_by("-sequence")
        )
        status = registration.status
        S = RegistrationStatus
        return super().get_context_data(
            registration=registration,
            mission=registration.mission,
            participants=registration.participants.all(),
            declarations=declarations,
            follow_ups=FollowUpAction.objects.filter(
                organisation=registration.organisation, mission=registration.mission
            ).select_related("owner"),
            can_confirm=status in (S.HELD_FOR_REVIEW,),
            can_promote=status == S.WAITLISTED,
            can_reject=status not in (S.WITHDRAWN, S.REJECTED, S.DRAFT),
            can_withdraw=registration.can_withdraw,
            **kwargs,
        )


class RegistrationActionView(StaffRequiredMixin, View):
    def post(self, request, pk):
        from missions import services as mission_services

        registration = get_object_or_404(Registration.objects.select_related("mission"), pk=pk)
        form = RegistrationActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("staff:registration_detail", pk=pk)
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            if action == "confirm":
                mission_services.registration_confirm(registration=registration, actor=request.user, request=request)
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
        except MissionError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
        return redirect("staff:registration_detail", pk=pk)


# --- Exports ----------------------------------------------------------------------------------


class ExportView(MissionMixin, View):
    def get(self, request, pk, kind, fmt):
        if fmt not in ("csv", "xlsx") or kind not in ("registrations", "attendance"):
            raise Http404
        mission = self.mission
        if kind == "registrations":
            headers = [
                _("Organisation"),
                _("KvK number"),
                _("Kind"),
                _("Sector"),
                _("Size class"),
                _("Status"),
                _("Waiting list position"),
                _("Participants"),
                _("Declaration"),
                _("Declaration text version"),
                _("Signed at"),
                _("Submitted at"),
                _("Motivation"),
            ]
            rows = (
                [
                    r.organisation.name,
                    r.organisation.kvk_number,
                    r.organisation.get_kind_display(),
                    r.organisation.get_sector_display(),
                    r.organisation.get_size_class_display(),
                    r.get_status_display(),
                    r.waitlist_position,
                    r.participant_count,
                    r.current_declaration.get_decision_display() if r.current_declaration else "",
                    r.current_declaration.text_version if r.current_declaration else "",
                    r.current_declaration.signed_at if r.current_declaration else None,
                    r.submitted_at,
                    r.motivation,
                ]
                for r in selectors.registration_list_for_mission(mission=mission, filters={"sort": "organisation"})
            )
            label = _("registrations")
        else:
            headers = [
                _("Session"),
                _("Starts at"),
                _("Organisation"),
                _("Participant"),
                _("E-mail address"),
                _("Position"),
                _("Attendance"),
            ]
            rows = (
                [
                    a.session.title,
                    a.session.starts_at,
                    a.participant.registration.organisation.name,
                    a.participant.name,
                    a.participant.email,
                    a.participant.position,
                    a.get_status_display(),
                ]
                for a in selectors.attendance_export_rows(mission=mission)
            )
            label = _("attendance")
        audit_event_record(
            action="export.download",
            actor=request.user,
            obj=mission,
            request=request,
            details={"kind": kind, "format": fmt, "language": get_language()},
        )
        return export_response(
            headers=headers, rows=rows, fmt=fmt, filename_parts=[mission.slug, label], sheet_title=label
        )


# --- Preparation sessions -------------------------------------------------------------------------


class SessionCreateView(MissionMixin, FormView):
    template_name = "staff/form.html"
    form_class = SessionForm

    def get_initial(self):
        return {"title_nl": "Voorbereidingsbijeenkomst", "title_en": "Preparation session"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Plan a preparation session"),
            intro=_("The agenda starts from the template; the IMVO items are mandatory on every session."),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            session = services.session_create(
                actor=self.request.user, mission=self.mission, data=form.cleaned_data, request=self.request
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The session has been planned with the IMVO agenda."))
        return redirect("staff:session_detail", pk=session.pk)


class SessionMixin(StaffPageMixin):
    section = "missions"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_rvo_staff:
            self.session = selectors.session_get_for_staff(pk=kwargs["pk"])
            self.mission = self.session.mission
        return super().dispatch(request, *args, **kwargs)

    def back(self):
        return redirect("staff:session_detail", pk=self.session.pk)


class SessionDetailView(SessionMixin, TemplateView):
    template_name = "staff/session_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            session=self.session,
            mission=self.mission,
            agenda=list(self.session.agenda_items.all()),
            attendance_rows=selectors.session_attendance_rows(session=self.session),
            attendance_choices=AttendanceStatus.choices,
            now=timezone.now(),
            **kwargs,
        )


class SessionEditView(SessionMixin, FormView):
    template_name = "staff/form.html"
    form_class = SessionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.session}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Edit preparation session"), mission=self.mission, **kwargs)

    def form_valid(self, form):
        try:
            services.session_update(
                actor=self.request.user, session=self.session, data=form.cleaned_data, request=self.request
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("The session has been saved. Invite the participants again if the time or place changed.")
        )
        return self.back()


class SessionNotesView(SessionMixin, View):
    def post(self, request, pk):
        form = SessionNotesForm(request.POST)
        if form.is_valid():
            services.session_update(actor=request.user, session=self.session, data=form.cleaned_data, request=request)
            messages.success(request, _("The notes have been saved."))
        return self.back()


class SessionAgendaView(SessionMixin, View):
    def post(self, request, pk):
        done_ids = {int(v) for v in request.POST.getlist("done") if v.isdigit()}
        services.agenda_mark(actor=request.user, session=self.session, done_ids=done_ids, request=request)
        messages.success(request, _("The agenda has been updated."))
        return self.back()


class AgendaItemAddView(SessionMixin, View):
    def post(self, request, pk):
        form = AgendaItemForm(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
        else:
            services.agenda_item_add(actor=request.user, session=self.session, request=request, **form.cleaned_data)
            messages.success(request, _("The item has been added to the agenda."))
        return self.back()


class AgendaItemRemoveView(StaffRequiredMixin, View):
    def post(self, request, pk):
        item = get_object_or_404(AgendaItem.objects.select_related("session"), pk=pk)
        try:
            services.agenda_item_remove(actor=request.user, item=item, request=request)
        except StaffActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The item has been removed from the agenda."))
        return redirect("staff:session_detail", pk=item.session_id)


class SessionInviteView(SessionMixin, View):
    def post(self, request, pk):
        try:
            sent = services.session_invite(actor=request.user, session=self.session, request=request)
        except StaffActionError as error:
            messages.error(request, error.message)
        else:
            if sent:
                messages.success(
                    request, _("%(count)s invitations with a calendar file have been sent.") % {"count": sent}
                )
            else:
                messages.info(request, _("Everybody has already received this invitation."))
        return self.back()


class SessionAttendanceView(SessionMixin, View):
    def post(self, request, pk):
        statuses = {}
        for key, value in request.POST.items():
            if key.startswith("status-") and key[7:].isdigit() and value:
                statuses[int(key[7:])] = value
        try:
            changed = services.attendance_record(
                actor=request.user, session=self.session, statuses=statuses, request=request
            )
        except StaffActionError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, _validation_message(error))
        else:
            messages.success(request, _("Attendance has been recorded (%(count)s changes).") % {"count": changed})
        return self.back()


class SessionCalendarView(SessionMixin, View):
    def get(self, request, pk):
        content = session_ics(
            self.session, language=get_language() or "nl", agenda=[i.title for i in self.session.agenda_items.all()]
        )
        response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="session-{self.session.pk}.ics"'
        return response


# --- Follow-up ------------------------------------------------------------------------------------


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

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_rvo_staff:
            self.action = get_object_or_404(
                FollowUpAction.objects.select_related("organisation", "mission"), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

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


class FollowUpDoneView(StaffRequiredMixin, View):
    def post(self, request, pk):
        action = get_object_or_404(FollowUpAction, pk=pk)
        services.follow_up_update(
            actor=request.user, action=action, data={"done": request.POST.get("done") == "1"}, request=request
        )
        messages.success(request, _("The follow-up action has been updated."))
        target = request.POST.get("next", "")
        if target.startswith("/staff/") and "//" not in target:
            return redirect(target)
        return redirect("staff:follow_up_list")


# --- Audit ------------------------------------------------------------------------------------------


class AuditListView(StaffPageMixin, ListView):
    template_name = "staff/audit_list.html"
    section = "audit"
    paginate_by = AUDIT_PAGE_SIZE
    context_object_name = "events"

    def get_queryset(self):
        self.filter_form = AuditFilterForm(self.request.GET or None)
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.audit_event_list(filters=filters)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            filter_form=self.filter_form, action_families=selectors.audit_action_prefixes(), **kwargs
        )
        names = selectors.organisation_names(e.organisation_id for e in context["events"])
        for event in context["events"]:
            event.organisation_name = names.get(event.organisation_id, "")
        return context
