from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared library: the bottom layer, importing no domain app (README "Apps and layers", docs/development.md)."""

    name = "core"
    verbose_name = "IMVO portal core"
