"""System checks of the OIDC settings, so an operator sees a mistake at start-up (``manage.py
check``) rather than at the first eHerkenning login. Silent while eHerkenning is off."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from accounts.oidc import oidc_enabled

from .claims import ASSURANCE_LEVELS
from .client import _ASYMMETRIC

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")


@register()
def oidc_settings_check(app_configs=None, **kwargs):
    if not oidc_enabled():
        return []
    problems = []
    if settings.OIDC_MIN_ASSURANCE not in ASSURANCE_LEVELS:
        problems.append(
            Error(f"OIDC_MIN_ASSURANCE {settings.OIDC_MIN_ASSURANCE!r} is not a known level.", id="eherkenning.E001")
        )
    method = settings.OIDC_CLIENT_AUTH_METHOD
    if method not in AUTH_METHODS:
        problems.append(Error(f"OIDC_CLIENT_AUTH_METHOD must be one of {AUTH_METHODS}.", id="eherkenning.E002"))
    elif method == "private_key_jwt" and not settings.OIDC_CLIENT_PRIVATE_KEY:
        problems.append(Error("private_key_jwt needs OIDC_CLIENT_PRIVATE_KEY.", id="eherkenning.E003"))
    elif method != "private_key_jwt" and not settings.OIDC_CLIENT_SECRET:
        problems.append(Error(f"{method} needs OIDC_CLIENT_SECRET.", id="eherkenning.E004"))
    if not any(a in _ASYMMETRIC for a in settings.OIDC_SIGNING_ALGORITHMS):
        problems.append(
            Error("OIDC_SIGNING_ALGORITHMS names no asymmetric algorithm (RS256, ES256).", id="eherkenning.E005")
        )
    if not settings.DEBUG and urlsplit(settings.OIDC_ISSUER).scheme != "https":
        problems.append(Warning("OIDC_ISSUER should be an https URL in production.", id="eherkenning.W001"))
    return problems
