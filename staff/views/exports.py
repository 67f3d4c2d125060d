"""CSV and XLSX exports of a mission's registrations and attendance."""

from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from audit.services import audit_event_record
from core.exports import export_response

from .. import selectors
from .base import MissionMixin


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
