from django.urls import path

from . import staff_views

app_name = "api_staff"

urlpatterns = [
    path("", staff_views.ApiClientListView.as_view(), name="client_list"),
    path("new/", staff_views.ApiClientCreateView.as_view(), name="client_create"),
    path("<int:pk>/rotate/", staff_views.ApiClientRotateView.as_view(), name="client_rotate"),
    path("<int:pk>/revoke/", staff_views.ApiClientRevokeView.as_view(), name="client_revoke"),
]
