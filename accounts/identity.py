"""The one normalisation of a login identity (an e-mail address).

Login, the lockout (django-axes), the per-account throttle, sign-up and invitations all key on
``normalise_email``: a lockout that keyed on the raw input could be sidestepped by typing the
same address in capitals or with a trailing space.
"""

from django.conf import settings

from core.addresses import normalise_email  # noqa: F401  (defined below accounts, for every layer)


def axes_username(request, credentials: dict | None = None) -> str:
    """``AXES_USERNAME_CALLABLE``: the normalised identity of a login attempt."""
    field = settings.AXES_USERNAME_FORM_FIELD
    raw = None
    if credentials:
        raw = credentials.get(field) or credentials.get("email")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get(field)
    return normalise_email(raw)
