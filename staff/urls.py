from django.urls import path

from . import views
from .views import instruments, texts

app_name = "staff"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("missions/", views.MissionListView.as_view(), name="mission_list"),
    path("missions/new/", views.MissionCreateView.as_view(), name="mission_create"),
    path("missions/<int:pk>/", views.MissionDetailView.as_view(), name="mission_detail"),
    path("missions/<int:pk>/edit/", views.MissionEditView.as_view(), name="mission_edit"),
    path("missions/<int:pk>/status/", views.MissionTransitionView.as_view(), name="mission_transition"),
    path("missions/<int:pk>/registrations/", views.RegistrationListView.as_view(), name="registration_list"),
    path("missions/<int:pk>/export/<str:kind>.<str:fmt>", views.ExportView.as_view(), name="export"),
    path("missions/<int:pk>/sessions/new/", views.SessionCreateView.as_view(), name="session_create"),
    path("missions/<int:pk>/follow-up/new/", views.FollowUpCreateView.as_view(), name="follow_up_create"),
    path("registrations/<int:pk>/", views.RegistrationDetailView.as_view(), name="registration_detail"),
    path("registrations/<int:pk>/action/", views.RegistrationActionView.as_view(), name="registration_action"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session_detail"),
    path("sessions/<int:pk>/edit/", views.SessionEditView.as_view(), name="session_edit"),
    path("sessions/<int:pk>/notes/", views.SessionNotesView.as_view(), name="session_notes"),
    path("sessions/<int:pk>/agenda/", views.SessionAgendaView.as_view(), name="session_agenda"),
    path("sessions/<int:pk>/agenda/add/", views.AgendaItemAddView.as_view(), name="agenda_item_add"),
    path("agenda-items/<int:pk>/remove/", views.AgendaItemRemoveView.as_view(), name="agenda_item_remove"),
    path("sessions/<int:pk>/invite/", views.SessionInviteView.as_view(), name="session_invite"),
    path("sessions/<int:pk>/attendance/", views.SessionAttendanceView.as_view(), name="session_attendance"),
    path("sessions/<int:pk>/calendar.ics", views.SessionCalendarView.as_view(), name="session_calendar"),
    path("follow-up/", views.FollowUpListView.as_view(), name="follow_up_list"),
    path("follow-up/<int:pk>/edit/", views.FollowUpEditView.as_view(), name="follow_up_edit"),
    path("follow-up/<int:pk>/done/", views.FollowUpDoneView.as_view(), name="follow_up_done"),
    path("instruments/", instruments.InstrumentListView.as_view(), name="instrument_list"),
    path("instruments/new/", instruments.InstrumentCreateView.as_view(), name="instrument_create"),
    path("instruments/import/", instruments.InstrumentImportView.as_view(), name="instrument_import"),
    path(
        "instruments/brochures/refresh/",
        instruments.InstrumentBrochuresRenderView.as_view(),
        name="instrument_brochures_refresh",
    ),
    path("instruments/phases/", instruments.InstrumentPhaseListView.as_view(), name="instrument_phases"),
    path("instruments/phases/new/", instruments.InstrumentPhaseFormView.as_view(), name="instrument_phase_create"),
    path(
        "instruments/phases/<int:pk>/edit/",
        instruments.InstrumentPhaseFormView.as_view(),
        name="instrument_phase_edit",
    ),
    path(
        "instruments/follow-ups/<int:pk>/resolve/",
        instruments.InstrumentFollowUpResolveView.as_view(),
        name="instrument_follow_up_resolve",
    ),
    path("instruments/<int:pk>/", instruments.InstrumentDetailView.as_view(), name="instrument_detail"),
    path("instruments/<int:pk>/edit/", instruments.InstrumentEditView.as_view(), name="instrument_edit"),
    path("instruments/<int:pk>/assess/", instruments.InstrumentAssessView.as_view(), name="instrument_assess"),
    path(
        "instruments/<int:pk>/assessments/<int:version>/",
        instruments.InstrumentAssessmentView.as_view(),
        name="instrument_assessment",
    ),
    path("instruments/<int:pk>/level/", instruments.InstrumentLevelView.as_view(), name="instrument_level"),
    path("declaration-texts/", texts.DeclarationTextListView.as_view(), name="declaration_texts"),
    path(
        "declaration-texts/<str:kind>/new/",
        texts.DeclarationTextPublishView.as_view(),
        name="declaration_text_publish",
    ),
    path("audit/", views.AuditListView.as_view(), name="audit"),
    path("mail/", views.MailListView.as_view(), name="mail_list"),
    path("mail/<int:pk>/resend/", views.MailResendView.as_view(), name="mail_resend"),
    path("receipts/<int:pk>/retry/", views.ReceiptRetryView.as_view(), name="receipt_retry"),
]
