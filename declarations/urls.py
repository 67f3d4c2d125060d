from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    path("sign/<int:pk>/", views.SignView.as_view(), name="sign"),
    path("<int:pk>/receipt/", views.ReceiptDownloadView.as_view(), name="receipt"),
]
