"""From ID token claims to an eHerkenning login: claim names, assurance levels, authorisation.

The claim names come from settings (``OIDC_CLAIM_*``, docs/eherkenning.md). The person
is matched on the subject claim only (the broker's pseudonym, ``sub`` by default); the KvK number
must be 8 digits (``organisations.validators``); the assurance level must be known and at least
``OIDC_MIN_ASSURANCE`` (default substantial, EH3); the authorisation claim (string or list) makes
the person a signatory for the session when it names ``OIDC_SIGNING_SERVICE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError
from organisations.validators import validate_kvk_number

#: Assurance levels by rank: eHerkenning (etoegang) classes and the eIDAS levels they map to.
ASSURANCE_LEVELS: dict[str, int] = {
    "urn:etoegang:core:assurance-class:loa1": 10,
    "urn:etoegang:core:assurance-class:loa2": 20,
    "urn:etoegang:core:assurance-class:loa2plus": 25,
    "urn:etoegang:core:assurance-class:loa3": 30,
    "urn:etoegang:core:assurance-class:loa4": 40,
    "http://eidas.europa.eu/LoA/low": 20,
    "http://eidas.europa.eu/LoA/substantial": 30,
    "http://eidas.europa.eu/LoA/high": 40,
}

#: The most clock skew ever allowed on exp/iat/nbf, whatever OIDC_LEEWAY says.
MAX_LEEWAY_SECONDS = 300


class LoginRefused(DomainError):
    """An eHerkenning login the portal does not accept; ``reason`` goes to the audit trail."""

    def __init__(self, reason: str, message=None):
        super().__init__(message or _("The login with eHerkenning could not be completed. Please try again."))
        self.reason = reason


@dataclass(frozen=True)
class EHerkenningLogin:
    issuer: str
    subject: str
    name: str
    email: str
    kvk_number: str
    branch: str
    assurance: str
    authorised_to_sign: bool


def leeway() -> int:
    return max(0, min(int(settings.OIDC_LEEWAY), MAX_LEEWAY_SECONDS))


def minimum_rank() -> int:
    rank = ASSURANCE_LEVELS.get(settings.OIDC_MIN_ASSURANCE)
    if rank is None:
        raise ImproperlyConfigured(
            "OIDC_MIN_ASSURANCE must be one of: "
            + ", ".join(ASSURANCE_LEVELS)
            + f" (is {settings.OIDC_MIN_ASSURANCE!r})"
        )
    return max(rank, ASSURANCE_LEVELS["urn:etoegang:core:assurance-class:loa2"])


def _text(claims: dict, name: str, limit: int) -> str:
    """The claim as text; longer than ``limit`` refuses the login (a cut-off pseudonym could
    merge two people into one account, so nothing is ever truncated)."""
    value = claims.get(name) if name else None
    if value is None:
        return ""
    if not isinstance(value, str | int):
        return ""
    text = str(value).strip()
    if len(text) > limit:
        raise LoginRefused(
            "claim_too_long",
            _(
                "eHerkenning sent a value that is longer than this portal can store. The login is refused "
                "so that nothing is cut off. Please contact the helpdesk."
            ),
        )
    return text


def _services(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def login_from_claims(claims: dict, *, issuer: str) -> EHerkenningLogin:
    """The login these (already verified) ID token claims describe, or ``LoginRefused``."""
    subject = _text(claims, settings.OIDC_CLAIM_SUBJECT, 255)
    if not subject:
        raise LoginRefused("missing_subject")
    assurance = _text(claims, settings.OIDC_CLAIM_ASSURANCE, 200)
    rank = ASSURANCE_LEVELS.get(assurance, 0)
    if rank < minimum_rank():
        raise LoginRefused(
            "assurance_too_low",
            _(
                "Your eHerkenning login has a lower assurance level than this portal requires "
                "(at least EH3, substantial). Log in with an eHerkenning means of level EH3 or higher."
            ),
        )
    kvk_number = _text(claims, settings.OIDC_CLAIM_KVK, 20)
    try:
        validate_kvk_number(kvk_number)
    except ValidationError:
        raise LoginRefused(
            "invalid_kvk_number",
            _("eHerkenning did not send a valid KvK number (8 digits) for the organisation you act for."),
        )
    branch = _text(claims, settings.OIDC_CLAIM_BRANCH, 12)
    if branch and not (branch.isascii() and branch.isdigit()):
        branch = ""
    email = _text(claims, settings.OIDC_CLAIM_EMAIL, 254)
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    return EHerkenningLogin(
        issuer=issuer,
        subject=subject,
        name=_text(claims, settings.OIDC_CLAIM_NAME, 150),
        email=email,
        kvk_number=kvk_number,
        branch=branch,
        assurance=assurance,
        authorised_to_sign=settings.OIDC_SIGNING_SERVICE in _services(claims.get(settings.OIDC_CLAIM_AUTHORISATION)),
    )
