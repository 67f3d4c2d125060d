"""The login against the real OpenID Provider (tests/oidc/provider.mjs), over HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.oidc.fixtures import provider_login

pytestmark = [pytest.mark.oidc, pytest.mark.django_db]


def start(client, next_=""):
    response = client.get("/accounts/eherkenning/login/" + (f"?next={next_}" if next_ else ""))
    assert response.status_code == 302
    return response["Location"]


def test_login_redirects_to_authorization_endpoint_with_pkce_state_and_nonce(client, oidc_settings, oidc_provider):
    url = start(client)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert url.startswith(oidc_provider.issuer + "/auth?")
    assert query["response_type"] == ["code"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]
    assert query["code_challenge_method"] == ["S256"]
    assert "openid" in query["scope"][0].split()


def test_signatory_logs_in_and_registers_new_organisation(client, oidc_settings):
    callback = provider_login(start(client), "eh-signatory")
    response = client.get(callback)
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == "/accounts/eherkenning/organisation/"
