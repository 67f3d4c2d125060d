"""The RVO back-office views, by sub-domain. Every view is for RVO staff only (``StaffPageMixin``,
the ``staff.access`` policy)."""

from .audit import AuditListView
from .exports import ExportView
from .follow_ups import FollowUpCreateView, FollowUpDoneView, FollowUpEditView, FollowUpListView
from .mail import MailListView, MailResendView
from .missions import MissionCreateView, MissionDetailView, MissionEditView, MissionListView, MissionTransitionView
from .organisations import OrganisationDetailView, OrganisationListView, OrganisationVerifyView
from .overview import OverviewView
from .receipts import ReceiptRetryView
from .registrations import RegistrationActionView, RegistrationDetailView, RegistrationListView
from .sessions import (
    AgendaItemAddView,
    AgendaItemRemoveView,
    SessionAgendaView,
    SessionAttendanceView,
    SessionCalendarView,
    SessionCreateView,
    SessionDetailView,
    SessionEditView,
    SessionInviteView,
    SessionNotesView,
)

__all__ = [
    "AgendaItemAddView",
    "AgendaItemRemoveView",
    "AuditListView",
    "ExportView",
    "FollowUpCreateView",
    "FollowUpDoneView",
    "FollowUpEditView",
    "FollowUpListView",
    "MailListView",
    "MailResendView",
    "MissionCreateView",
    "MissionDetailView",
    "MissionEditView",
    "MissionListView",
    "MissionTransitionView",
    "OrganisationDetailView",
    "OrganisationListView",
    "OrganisationVerifyView",
    "OverviewView",
    "ReceiptRetryView",
    "RegistrationActionView",
    "RegistrationDetailView",
    "RegistrationListView",
    "SessionAgendaView",
    "SessionAttendanceView",
    "SessionCalendarView",
    "SessionCreateView",
    "SessionDetailView",
    "SessionEditView",
    "SessionInviteView",
    "SessionNotesView",
]
