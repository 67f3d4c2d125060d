from django.urls import path

from . import views

app_name = "instruments"

urlpatterns = [
    path("", views.InstrumentListView.as_view(), name="list"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application"),
    path("applications/<int:pk>/confirm-read/", views.ApplicationConfirmReadView.as_view(), name="application_read"),
    path("applications/<int:pk>/sign/", views.ApplicationSignView.as_view(), name="application_sign"),
    path("applications/<int:pk>/ask-signatory/", views.ApplicationAskSignatoryView.as_view(), name="application_ask"),
    path(
        "applications/<int:pk>/self-assessment/",
        views.ApplicationSelfAssessmentView.as_view(),
        name="application_self_assessment",
    ),
    path("<slug:slug>/", views.InstrumentDetailView.as_view(), name="detail"),
    path("<slug:slug>/apply/", views.ApplicationStartView.as_view(), name="apply"),
]
