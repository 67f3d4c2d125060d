"""Form helpers shared by every app."""

from django.db import models


def formfield_https_urls(field: models.Field, **kwargs):
    """``Meta.formfield_callback`` for model forms: URLs typed without a scheme get https://
    (Django 6's default; replaces the deprecated FORMS_URLFIELD_ASSUME_HTTPS setting)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


# ``ModelAdmin.formfield_overrides`` for admins of models with URL fields: the same https default.
ADMIN_URL_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}
