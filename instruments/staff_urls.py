from django.urls import path

from . import staff_views as views

app_name = "instrument_staff"

urlpatterns = [
    path("", views.StaffInstrumentListView.as_view(), name="list"),
    path("new/", views.StaffInstrumentCreateView.as_view(), name="create"),
    path("import/", views.StaffImportView.as_view(), name="import"),
    path("phases/", views.StaffPhaseListView.as_view(), name="phases"),
    path("phases/new/", views.StaffPhaseFormView.as_view(), name="phase_create"),
    path("phases/<int:pk>/edit/", views.StaffPhaseFormView.as_view(), name="phase_edit"),
    path("follow-ups/<int:pk>/resolve/", views.StaffFollowUpResolveView.as_view(), name="follow_up_resolve"),
    path("<int:pk>/", views.StaffInstrumentDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.StaffInstrumentEditView.as_view(), name="edit"),
    path("<int:pk>/assess/", views.StaffAssessView.as_view(), name="assess"),
    path("<int:pk>/assessments/<int:version>/", views.StaffAssessmentVersionView.as_view(), name="assessment"),
    path("<int:pk>/level/", views.StaffLevelView.as_view(), name="level"),
]
