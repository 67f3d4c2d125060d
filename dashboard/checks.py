"""System checks of the dashboard's rounding key (``dashboard.keys``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .keys import SETTING, rounding_key_decode

HINT = "python -c 'import secrets; print(secrets.token_hex(32))'"


@register(Tags.security)
def rounding_key_check(app_configs=None, **kwargs):
    """A configured key must be usable, in every mode (so a mistake shows at start-up)."""
    value = settings.DASHBOARD_ROUNDING_KEY
    if not value:
        return []
    try:
        rounding_key_decode(value)
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint=HINT, id="dashboard.E002")]
    return []


@register(Tags.security, deploy=True)
def rounding_key_deploy_check(app_configs=None, **kwargs):
    """A deployment has a key of its own: the embedded default's generated key is for local use only."""
    if settings.DASHBOARD_ROUNDING_KEY:
        return []
    return [Error(f"{SETTING} is not set; production needs a key of its own.", hint=HINT, id="dashboard.E001")]
