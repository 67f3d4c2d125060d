from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .problems import not_found
from .token import TokenView

app_name = "api"

urlpatterns = [
    path("oauth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("openapi.json", SpectacularAPIView.as_view(), {"format": "json"}, name="openapi_json"),
    # Swagger UI from the vendored sidecar files, its start script served apart (no inline script: CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("missions/", views.MissionListView.as_view(), name="mission_list"),
    path("missions/<slug:slug>/", views.MissionDetailView.as_view(), name="mission_detail"),
    path("sessions/", views.SessionListView.as_view(), name="session_list"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session_detail"),
    path("sessions/<int:pk>/attendance/", views.AttendanceView.as_view(), name="attendance"),
    path("registrations/", views.RegistrationListView.as_view(), name="registration_list"),
    path("registrations/<int:pk>/", views.RegistrationDetailView.as_view(), name="registration_detail"),
    path("registrations/<int:pk>/decisions/", views.RegistrationDecisionView.as_view(), name="registration_decide"),
    path("instruments/", views.InstrumentListView.as_view(), name="instrument_list"),
    path("instruments/<slug:slug>/", views.InstrumentDetailView.as_view(), name="instrument_detail"),
    path("phases/", views.PhaseListView.as_view(), name="phase_list"),
    path("declarations/", views.DeclarationListView.as_view(), name="declaration_list"),
    path("declarations/<int:sequence>/", views.DeclarationDetailView.as_view(), name="declaration_detail"),
    path("figures/releases/", views.ReleaseListView.as_view(), name="release_list"),
    path("figures/releases/<int:number>/", views.ReleaseDetailView.as_view(), name="release_detail"),
    re_path(r"^[\s\S]*$", not_found),  # any character, newlines too
]
