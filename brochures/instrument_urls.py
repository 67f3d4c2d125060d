from django.urls import path

from .views.instruments import InstrumentImvoPdfView, InstrumentImvoView

app_name = "instrument_imvo"

urlpatterns = [
    path("", InstrumentImvoView.as_view(), name="page"),
    path("pdf/", InstrumentImvoPdfView.as_view(), name="pdf"),
]
