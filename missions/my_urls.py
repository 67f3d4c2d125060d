from django.urls import path

from . import my_views, views

app_name = "my"

urlpatterns = [
    path("", my_views.MyOverviewView.as_view(), name="overview"),
    path("registrations/<int:pk>/", my_views.MyRegistrationView.as_view(), name="registration"),
    path("registrations/<int:pk>/withdraw/", my_views.WithdrawView.as_view(), name="withdraw"),
    path("registrations/<int:pk>/sign/", views.SignView.as_view(), name="sign"),
]
