from django.urls import path
from django.views.generic import TemplateView

app_name = "my"

# Scaffold: replaced by the feature's real views.
urlpatterns = [
    path("", TemplateView.as_view(template_name="placeholder.html"), name="overview"),
]
