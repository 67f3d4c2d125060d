from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "declarations"

urlpatterns = [
    # Links in e-mails sent before the signing page moved under /my/.
    path("sign/<int:pk>/", RedirectView.as_view(pattern_name="my:sign", permanent=True), name="sign"),
    path("<int:pk>/receipt/", views.ReceiptDownloadView.as_view(), name="receipt"),
]
