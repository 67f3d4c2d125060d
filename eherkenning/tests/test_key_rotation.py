"""The broker rotates its keys: a revoked key stops working, a replaced key is picked up.

Against the real provider of ``tests/oidc``, stopped and started again on the same port (the same
issuer) with other signing keys, as a broker's key rotation looks to the portal. Time is moved by
setting back when the portal fetched the key set, not by waiting.
"""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from joserfc import jwt
from joserfc.jwk import RSAKey

from eherkenning import client as client_module
from eherkenning.client import BrokerClient, broker_client
from eherkenning.models import OIDCIdentity
from tests.oidc.fixtures import CLIENT_ID, TEST_SERVER, configure, provider_login, start_provider

pytestmark = [pytest.mark.oidc, pytest.mark.django_db]
KVK = "urn:etoegang:core:LegalSubjectID"
LOA3 = "urn:etoegang:core:assurance-class:loa3"


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def _jwks(*keys: RSAKey) -> dict:
    return {"keys": [k.as_dict(private=True) for k in keys]}


@pytest.fixture
def rotating(settings):
    """Start the provider with given keys; restart it on the same port with others."""
    running = []

    def start(*keys: RSAKey):
        port = int(urlsplit(running[-1].issuer).port) if running else None
        if running:
            running[-1].stop()
        provider = start_provider([TEST_SERVER], port=port, jwks=_jwks(*keys))
        running.append(provider)
        configure(settings, provider.issuer)
        return provider

    client_module._client_for.cache_clear()
    yield start
    client_module._client_for.cache_clear()
    if running:
        running[-1].stop()


def _login(account: str = "eh-signatory"):
    browser = Client()
    url = browser.get("/accounts/eherkenning/login/")["Location"]
    return browser, browser.get(provider_login(url, account))


def _forged(browser, monkeypatch, key: RSAKey):
    """A callback whose ID token is signed with ``key`` (as someone holding a revoked key would)."""
    query = parse_qs(urlsplit(browser.get("/accounts/eherkenning/login/")["Location"]).query)
    oidc = broker_client()
    now = int(time.time())
    claims = {
        "iss": oidc.load_server_metadata()["issuer"],
        "aud": CLIENT_ID,
        "sub": "pseudo-holder-of-old-key",
        "iat": now,
        "exp": now + 300,
        "nonce": query["nonce"][0],
        KVK: "90000009",
        "loa": LOA3,
    }
    token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
    monkeypatch.setattr(
        BrokerClient, "fetch_access_token", lambda self, **kw: {"access_token": "at", "id_token": token}
    )
    return browser.get(f"/accounts/eherkenning/callback/?code=forged&state={query['state'][0]}")


def test_a_revoked_key_is_refused_once_the_key_set_is_older_than_its_maximum_age(rotating, monkeypatch, settings):
    old, new = _key("2026-old"), _key("2026-new")
    rotating(old)
    browser, response = _login()
    assert response.status_code == 302 and "_auth_user_id" in browser.session
    rotating(new)  # the broker revokes the old key
    browser.logout()
    broker_client().jwks_fetched_at -= settings.OIDC_JWKS_MAX_AGE + 1
    response = _forged(browser, monkeypatch, old)
    assert response.status_code == 400
    assert "_auth_user_id" not in browser.session
    assert not OIDCIdentity.objects.filter(subject="pseudo-holder-of-old-key").exists()
    monkeypatch.undo()
    browser, response = _login()  # logins signed with the new key work
    assert response.status_code == 302 and "_auth_user_id" in browser.session


def test_a_key_replaced_under_the_same_kid_is_fetched_again(rotating, settings):
    rotating(_key("rsa-1"))
    assert _login()[1].status_code == 302
    rotating(_key("rsa-1"))  # same kid, other key: the cached one fails the signature
    broker_client().jwks_fetched_at -= settings.OIDC_JWKS_MIN_REFRESH + 1
    browser, response = _login()
    assert response.status_code == 302 and "_auth_user_id" in browser.session


def test_a_new_key_is_fetched_on_its_first_use(rotating, settings):
    first = _key("2026-a")
    rotating(first)
    assert _login()[1].status_code == 302
    rotating(_key("2026-b"), first)  # the broker adds a key and signs with it (the first in the set)
    broker_client().jwks_fetched_at -= settings.OIDC_JWKS_MIN_REFRESH + 1
    browser, response = _login()
    assert response.status_code == 302 and "_auth_user_id" in browser.session


def test_forged_tokens_fetch_the_key_set_at_most_once_per_minimum_interval(rotating, monkeypatch):
    rotating(_key("2026-a"))
    oidc = broker_client()
    fetches = []
    real = client_module.DjangoOAuth2App.fetch_jwk_set

    def counting(self, force=False):
        fetches.append(force)
        return real(self, force=force)

    monkeypatch.setattr(client_module.DjangoOAuth2App, "fetch_jwk_set", counting)
    browser = Client()
    for n in range(5):
        response = _forged(browser, monkeypatch, _key(f"unknown-{n}"))
        assert response.status_code == 400
    assert len(fetches) == 1, fetches  # the first fetch; the unknown kids inside the interval do not refetch
    assert oidc.jwks_fetched_at is not None
