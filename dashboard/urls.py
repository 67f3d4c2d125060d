from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="index"),
    path("export.csv", views.DashboardExportView.as_view(), name="export"),
    path("instruments/", views.InstrumentReachView.as_view(), name="instruments"),
]
