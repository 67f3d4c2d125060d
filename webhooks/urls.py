from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.EndpointListView.as_view(), name="endpoint_list"),
    path("new/", views.EndpointCreateView.as_view(), name="endpoint_create"),
    path("<int:pk>/", views.EndpointDetailView.as_view(), name="endpoint_detail"),
    path("<int:pk>/edit/", views.EndpointEditView.as_view(), name="endpoint_edit"),
    path("<int:pk>/disable/", views.EndpointDisableView.as_view(), name="endpoint_disable"),
    path("<int:pk>/secret/", views.EndpointSecretRotateView.as_view(), name="endpoint_secret_rotate"),
    path("deliveries/<int:pk>/resend/", views.DeliveryResendView.as_view(), name="delivery_resend"),
]
