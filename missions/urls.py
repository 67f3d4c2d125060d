from django.urls import path

from . import views

app_name = "missions"

urlpatterns = [
    path("", views.MissionListView.as_view(), name="list"),
    path("<slug:slug>/", views.MissionDetailView.as_view(), name="detail"),
    path("<slug:slug>/register/", views.RegisterStartView.as_view(), name="register_start"),
    path("<slug:slug>/register/<int:pk>/step/<int:step>/", views.RegistrationStepView.as_view(), name="register_step"),
    path("<slug:slug>/register/<int:pk>/imvo-brochure/", views.BrochureOpenView.as_view(), name="imvo_brochure"),
]
