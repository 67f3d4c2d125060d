from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    """The shared library: the bottom layer, importing no domain app (README "Apps and layers", docs/development.md)."""

    name = "core"
    verbose_name = "IMVO portal core"

    def ready(self):
        if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
            from .database import install

            install(default_seconds=settings.DATABASE_WAIT_TIMEOUT, connect_seconds=settings.DATABASE_CONNECT_TIMEOUT)
        from . import metrics

        metrics.connect_signals()
