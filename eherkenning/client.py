"""The OpenID Connect client of the eHerkenning broker, on Authlib.

Why Authlib (and not mozilla-django-oidc): it reads the provider's discovery document
(``.well-known/openid-configuration``) instead of needing every endpoint as a setting, validates
the ID token's ``iss``, ``aud``, ``exp``, ``iat``, ``nbf``, ``nonce``, ``azp`` and ``at_hash`` with
a leeway we choose (mozilla-django-oidc 5 checks the signature and the nonce, not the issuer,
audience or expiry), does PKCE (S256) and supports ``private_key_jwt`` client authentication.

Keys (``fetch_jwk_set``): the provider's key set is kept per process for at most
``OIDC_JWKS_MAX_AGE`` seconds, so a key the provider revokes stops being accepted within that time;
a token naming an unknown ``kid`` (a new key) or failing its signature with a known one (a key
replaced under the same ``kid``) fetches the set again, at most once per ``OIDC_JWKS_MIN_REFRESH``
seconds. Audience (``audience_check``): OpenID Connect Core 3.1.3.7, items 3 to 5.

Discovery happens lazily on the first login and is kept per process (one client per
configuration); every call to the provider has a timeout (``OIDC_TIMEOUT``).
"""

from __future__ import annotations

import time
from functools import lru_cache

from authlib.integrations.django_client import DjangoOAuth2App
from authlib.integrations.django_client.integration import DjangoIntegration
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken, UserInfo
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError, InvalidKeyIdError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

CLIENT_NAME = "eherkenning"
#: Asymmetric signatures only: "none" and HMAC with a shared secret are never accepted.
_ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


class DiscoveryError(Exception):
    """The discovery document is not the configured issuer's (or not usable)."""


def audience_check(claims: dict, client_id: str) -> None:
    """OpenID Connect Core 3.1.3.7, items 3 to 5: ``aud`` contains our client id and no audience
    we do not trust (``OIDC_TRUSTED_AUDIENCES``); with several audiences ``azp`` is present; when
    ``azp`` is present it is our client id. Raises joserfc's claim errors (``claim`` names it)."""
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not audiences:
        raise MissingClaimError("aud")
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise InvalidClaimError("aud")
    trusted = {client_id, *settings.OIDC_TRUSTED_AUDIENCES}
    if client_id not in audiences or any(a not in trusted for a in audiences):
        raise InvalidClaimError("aud")
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise MissingClaimError("azp")
    if azp is not None and azp != client_id:
        raise InvalidClaimError("azp")


class BrokerClient(DjangoOAuth2App):
    """Authlib's Django client with the ID token algorithms pinned to our allow-list and the
    discovery document checked against the configured issuer."""

    algorithms: tuple[str, ...] = ("RS256", "ES256")
    expected_issuer: str = ""
    #: ``time.monotonic()`` when ``server_metadata["jwks"]`` was fetched; None: not yet.
    jwks_fetched_at: float | None = None

    def load_server_metadata(self):
        metadata = super().load_server_metadata()
        if metadata.get("issuer", "").rstrip("/") != self.expected_issuer.rstrip("/") or not metadata.get(
            "authorization_endpoint"
        ):
            self.server_metadata.clear()  # fetched again next time
            raise DiscoveryError(f"discovery document of {self.expected_issuer!r} names another issuer")
        return metadata

    def fetch_jwk_set(self, force=False):
        """The provider's key set, kept at most ``OIDC_JWKS_MAX_AGE`` seconds; ``force`` (an
        unknown ``kid``, a failed signature) fetches it again unless that was done in the last
        ``OIDC_JWKS_MIN_REFRESH`` seconds."""
        now = time.monotonic()
        age = float("inf") if self.jwks_fetched_at is None else now - self.jwks_fetched_at
        cached = self.server_metadata.get("jwks")
        if cached and age < settings.OIDC_JWKS_MAX_AGE and (not force or age < settings.OIDC_JWKS_MIN_REFRESH):
            return cached
        jwk_set = super().fetch_jwk_set(force=True)
        self.jwks_fetched_at = now
        return jwk_set

    def parse_id_token(self, token, nonce, claims_options=None, claims_cls=None, leeway=60):
        metadata = self.load_server_metadata()
        registry = JWSRegistry(algorithms=list(self.algorithms), strict_check_header=False)
        try:
            decoded = jwt.decode(token["id_token"], key=KeySet.import_key_set(self.fetch_jwk_set()), registry=registry)
        except (InvalidKeyIdError, BadSignatureError):
            # A new key (unknown kid) or a key replaced under the same kid: once more with a fresh set.
            keys = KeySet.import_key_set(self.fetch_jwk_set(force=True))
            decoded = jwt.decode(token["id_token"], key=keys, registry=registry)
        # Authlib checks ``aud`` only through ``azp``, and accepts a list with other audiences.
        audience_check(decoded.claims, self.client_id)
        options = claims_options or {
            "iss": {"essential": True, "values": [metadata["issuer"]]},
            "aud": {"essential": True, "values": [self.client_id]},
        }
        params = {"nonce": nonce, "client_id": self.client_id, "access_token": token.get("access_token")}
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        claims.validate(leeway=leeway)
        return UserInfo(claims)


def _client_kwargs() -> tuple[dict, list]:
    method = settings.OIDC_CLIENT_AUTH_METHOD
    kwargs = {
        "scope": settings.OIDC_SCOPES,
        "code_challenge_method": "S256",
        "default_timeout": settings.OIDC_TIMEOUT,
    }
    auth_methods = []
    if method == "private_key_jwt":
        if not settings.OIDC_CLIENT_PRIVATE_KEY:
            raise ImproperlyConfigured("OIDC_CLIENT_AUTH_METHOD=private_key_jwt needs OIDC_CLIENT_PRIVATE_KEY (PEM).")
        headers = {"kid": settings.OIDC_CLIENT_PRIVATE_KEY_ID} if settings.OIDC_CLIENT_PRIVATE_KEY_ID else None
        auth_methods.append(PrivateKeyJWT(headers=headers, alg="RS256"))
        kwargs["token_endpoint_auth_method"] = "private_key_jwt"
    elif method in ("client_secret_basic", "client_secret_post"):
        kwargs["token_endpoint_auth_method"] = method
    else:
        raise ImproperlyConfigured(f"Unknown OIDC_CLIENT_AUTH_METHOD {method!r}.")
    return kwargs, auth_methods


@lru_cache(maxsize=4)
def _client_for(
    issuer: str, client_id: str, secret: str, auth_method: str, scopes: str, algorithms: tuple
) -> BrokerClient:
    kwargs, auth_methods = _client_kwargs()
    client = BrokerClient(
        DjangoIntegration(CLIENT_NAME),
        name=CLIENT_NAME,
        client_id=client_id,
        client_secret=secret,
        server_metadata_url=discovery_url(issuer),
        client_kwargs=kwargs,
        client_auth_methods=auth_methods,
    )
    allowed = tuple(a for a in algorithms if a in _ASYMMETRIC)
    if not allowed:
        raise ImproperlyConfigured(
            "OIDC_SIGNING_ALGORITHMS must name at least one asymmetric algorithm (RS256, ES256)."
        )
    client.algorithms = allowed
    client.expected_issuer = issuer
    return client


def broker_client() -> BrokerClient:
    """The client for the configured broker (one per configuration and process)."""
    secret = (
        settings.OIDC_CLIENT_PRIVATE_KEY
        if settings.OIDC_CLIENT_AUTH_METHOD == "private_key_jwt"
        else settings.OIDC_CLIENT_SECRET
    )
    return _client_for(
        settings.OIDC_ISSUER,
        settings.OIDC_CLIENT_ID,
        secret,
        settings.OIDC_CLIENT_AUTH_METHOD,
        settings.OIDC_SCOPES,
        tuple(settings.OIDC_SIGNING_ALGORITHMS),
    )
