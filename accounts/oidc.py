"""What the accounts layer knows of OpenID Connect logins; the flow itself is the ``eherkenning``
app, one layer up, which the login page links to when this says it is configured."""

from django.conf import settings


def oidc_enabled() -> bool:
    """eHerkenning is offered when both the broker's issuer and our client id are configured."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)
