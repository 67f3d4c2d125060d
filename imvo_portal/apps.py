from django.apps import AppConfig


class ImvoPortalConfig(AppConfig):
    name = "imvo_portal"
    verbose_name = "IMVO portal"
