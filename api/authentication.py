"""Bearer tokens of machine clients, and nothing else: the API has no session authentication, so
a browser's cookies never authorise an API call (and CSRF stays a matter of the pages)."""

import hashlib

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AccessToken
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed


def access_token_find(value: str) -> AccessToken | None:
    """The token by the checksum django-oauth-toolkit stores (the token itself is not kept at rest),
    with its client and service account, in one query."""
    checksum = hashlib.sha256(value.encode("utf-8")).hexdigest()
    return (
        AccessToken.objects.select_related("application__api_client__service_user")
        .filter(token_checksum=checksum)
        .first()
    )


class ClientTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``: the client's service account becomes ``request.user``,
    the token ``request.auth`` (its scopes are checked by ``api.permissions.ScopeRequired``) and
    the client ``request.api_client``. Tokens in the query string are never read (no secrets in
    URLs)."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        invalid = _("The access token is not valid or has expired.")
        if len(parts) != 2:
            raise AuthenticationFailed(invalid)
        try:
            value = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(invalid) from None
        token = access_token_find(value)
        if token is None or token.expires <= timezone.now() or token.application_id is None:
            raise AuthenticationFailed(invalid)
        client = getattr(token.application, "api_client", None)
        if client is None or client.revoked_at is not None or not client.service_user.is_active:
            raise AuthenticationFailed(invalid)
        request.api_client = client
        return client.service_user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
