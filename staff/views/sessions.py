"""Preparation sessions: plan, agenda, invitations, attendance, calendar file."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from core.exceptions import DomainError
from missions.constants import AttendanceStatus

from .. import selectors, services
from ..forms import AgendaItemForm, SessionForm, SessionNotesForm
from ..ics import session_ics
from ..models import AgendaItem
from .base import MissionMixin, SessionMixin, StaffPageMixin, form_errors, validation_message


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
            messages.error(request, form_errors(form))
        else:
            services.agenda_item_add(actor=request.user, session=self.session, request=request, **form.cleaned_data)
            messages.success(request, _("The item has been added to the agenda."))
        return self.back()


class AgendaItemRemoveView(StaffPageMixin, View):
    def post(self, request, pk):
        item = get_object_or_404(AgendaItem.objects.select_related("session"), pk=pk)
        try:
            services.agenda_item_remove(actor=request.user, item=item, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The item has been removed from the agenda."))
        return redirect("staff:session_detail", pk=item.session_id)


class SessionInviteView(SessionMixin, View):
    def post(self, request, pk):
        try:
            sent = services.session_invite(actor=request.user, session=self.session, request=request)
        except DomainError as error:
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
        except DomainError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, validation_message(error))
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
