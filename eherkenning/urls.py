from django.urls import path

from . import views

app_name = "eherkenning"

urlpatterns = [
    path("login/", views.LoginStartView.as_view(), name="login"),
    path("callback/", views.CallbackView.as_view(), name="callback"),
    path("organisation/", views.OrganisationCreateView.as_view(), name="organisation"),
]
