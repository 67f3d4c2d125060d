"""django-oauth-toolkit, narrowed to this portal: client credentials only, and a client may ask
only for the scopes RVO staff gave it (``ApiClient.scopes``); asking for none grants all of them.

A revoked client has no OAuth application any more (``api.services.api_client_revoke``), so the
token endpoint no longer knows its id.
"""

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

from .models import ApiClient


def _client_scopes(application) -> list[str]:
    if application is None:
        return []
    client = ApiClient.objects.filter(application=application, revoked_at__isnull=True).only("scopes").first()
    return list(client.scopes) if client is not None else []


class ClientScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return _client_scopes(application)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return _client_scopes(application)


class ClientScopesValidator(OAuth2Validator):
    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type == "client_credentials" and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs
        )
