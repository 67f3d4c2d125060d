"""Protocol attacks on the callback: each refused with a clear message and an audit entry.

The state, nonce and code verifier are real (a login started against the real provider); the
token endpoint's answer is replaced by a crafted one, signed either with a key the provider does
not publish or, to test the claim checks alone, with a key the test adds to the trusted set.
"""

import base64
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from audit.models import AuditEvent
from eherkenning import client as client_module
from eherkenning.client import BrokerClient, broker_client
from eherkenning.models import OIDCIdentity
from tests.oidc.fixtures import provider_login

pytestmark = [pytest.mark.oidc, pytest.mark.django_db]
KVK = "urn:etoegang:core:LegalSubjectID"
LOA3 = "urn:etoegang:core:assurance-class:loa3"


@pytest.fixture
def oidc(oidc_settings):
    client_module._client_for.cache_clear()
    yield broker_client()
    client_module._client_for.cache_clear()  # a test may have added a key to the trusted set


@pytest.fixture
def trusted_key(oidc):
    """A key the portal trusts for this test only (as if the provider published it)."""
    key = RSAKey.generate_key(2048, parameters={"kid": "test-trusted", "alg": "RS256", "use": "sig"})
    keys = oidc.fetch_jwk_set()
    oidc.server_metadata["jwks"] = {"keys": [*keys["keys"], key.as_dict(private=False)]}
    oidc.jwks_fetched_at = time.monotonic()  # kept as if fetched now (within OIDC_JWKS_MAX_AGE)
    return key


def started(client):
    """A login started at the portal: (state, nonce) as the portal keeps them."""
    url = client.get("/accounts/eherkenning/login/")["Location"]
    query = parse_qs(urlsplit(url).query)
    return query["state"][0], query["nonce"][0]


def claims(oidc, nonce, **overrides):
    now = int(time.time())
    data = {
        "iss": oidc.load_server_metadata()["issuer"],
        "aud": oidc.client_id,
        "sub": "pseudo-crafted",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        KVK: "90000009",
        "loa": LOA3,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def callback_with(client, monkeypatch, state, id_token):
    monkeypatch.setattr(
        BrokerClient, "fetch_access_token", lambda self, **kw: {"access_token": "at", "id_token": id_token}
    )
    return client.get(f"/accounts/eherkenning/callback/?code=crafted&state={state}")


def assert_refused(client, response, reason):
    assert response.status_code == 400, response.status_code
    assert "eHerkenning" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not OIDCIdentity.objects.exists()
    event = AuditEvent.objects.filter(action="auth.oidc_refused").latest("pk")
    assert event.details["reason"] == reason


def sign(key, data, alg="RS256"):
    return jwt.encode({"alg": alg, "kid": key.kid}, data, key)


def test_crafted_token_is_accepted_with_a_trusted_key(client, oidc, trusted_key, monkeypatch):
    """The control case: the crafted tokens below fail for their one defect, not for the setup."""
    state, nonce = started(client)
    response = callback_with(client, monkeypatch, state, sign(trusted_key, claims(oidc, nonce)))
    assert response.status_code == 302
    assert OIDCIdentity.objects.filter(subject="pseudo-crafted").exists()


def test_tampered_id_token_from_the_provider_is_refused(client, oidc, monkeypatch):
    real = BrokerClient.fetch_access_token

    def tampered(self, **kwargs):
        token = real(self, **kwargs)
        header, payload, signature = token["id_token"].split(".")
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        data[KVK] = "66666666"  # act for another organisation
        forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
        return {**token, "id_token": f"{header}.{forged}.{signature}"}

    monkeypatch.setattr(BrokerClient, "fetch_access_token", tampered)
    url = client.get("/accounts/eherkenning/login/")["Location"]
    assert_refused(client, client.get(provider_login(url, "eh-signatory")), "signature_invalid")


def test_token_signed_with_a_key_the_provider_does_not_publish_is_refused(client, oidc, monkeypatch):
    state, nonce = started(client)
    published_kid = oidc.fetch_jwk_set()["keys"][0]["kid"]
    rogue = RSAKey.generate_key(2048, parameters={"kid": published_kid})
    assert_refused(
        client, callback_with(client, monkeypatch, state, sign(rogue, claims(oidc, nonce))), "signature_invalid"
    )


def test_token_with_an_unknown_key_id_is_refused(client, oidc, monkeypatch):
    state, nonce = started(client)
    rogue = ECKey.generate_key("P-256", parameters={"kid": "rogue"})
    response = callback_with(client, monkeypatch, state, sign(rogue, claims(oidc, nonce), alg="ES256"))
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("alg", ["HS256", "none"])
def test_symmetric_or_unsigned_tokens_are_refused(client, oidc, monkeypatch, alg):
    state, nonce = started(client)
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims(oidc, nonce)).encode()).rstrip(b"=").decode()
    response = callback_with(client, monkeypatch, state, f"{header}.{body}.")
    assert response.status_code == 400
    assert not OIDCIdentity.objects.exists()


def test_expired_token_is_refused(client, oidc, trusted_key, monkeypatch, settings):
    settings.OIDC_LEEWAY = 60
    state, nonce = started(client)
    now = int(time.time())
    token = sign(trusted_key, claims(oidc, nonce, iat=now - 900, exp=now - 120))
    assert_refused(client, callback_with(client, monkeypatch, state, token), "token_expired")


def test_clock_skew_within_the_leeway_is_tolerated(client, oidc, trusted_key, monkeypatch, settings):
    settings.OIDC_LEEWAY = 60
    state, nonce = started(client)
    now = int(time.time())
    token = sign(trusted_key, claims(oidc, nonce, iat=now - 600, exp=now - 30))
    assert callback_with(client, monkeypatch, state, token).status_code == 302


def test_leeway_setting_cannot_make_old_tokens_acceptable(client, oidc, trusted_key, monkeypatch, settings):
    settings.OIDC_LEEWAY = 86400
    state, nonce = started(client)
    now = int(time.time())
    token = sign(trusted_key, claims(oidc, nonce, iat=now - 3600, exp=now - 1800))
    assert_refused(client, callback_with(client, monkeypatch, state, token), "token_expired")


def test_token_from_the_future_is_refused(client, oidc, trusted_key, monkeypatch):
    state, nonce = started(client)
    now = int(time.time())
    token = sign(trusted_key, claims(oidc, nonce, iat=now + 3600, nbf=now + 3600, exp=now + 7200))
    response = callback_with(client, monkeypatch, state, token)
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_wrong_issuer_is_refused(client, oidc, trusted_key, monkeypatch):
    state, nonce = started(client)
    token = sign(trusted_key, claims(oidc, nonce, iss="https://evil.example"))
    assert_refused(client, callback_with(client, monkeypatch, state, token), "issuer_mismatch")


@pytest.mark.parametrize(
    "extra",
    [
        {"aud": "another-client"},
        {"aud": ["another-client"], "azp": "imvo-portal-test"},
        {"aud": None},
        # OIDC Core 3.1.3.7: a list with an audience we do not trust is refused, azp or not.
        {"aud": ["imvo-portal-test", "another-client"], "azp": "imvo-portal-test"},
        {"aud": ["imvo-portal-test", "another-client"]},
        {"aud": ["imvo-portal-test"], "azp": "another-client"},
        {"aud": [], "azp": "imvo-portal-test"},
        {"aud": [1]},
    ],
    ids=[
        "other-client",
        "other-client-naming-us-as-azp",
        "no-audience",
        "us-and-an-untrusted-audience",
        "us-and-an-untrusted-audience-without-azp",
        "azp-names-another-client",
        "empty-list",
        "not-a-string",
    ],
)
def test_wrong_audience_is_refused(client, oidc, trusted_key, monkeypatch, extra):
    state, nonce = started(client)
    token = sign(trusted_key, claims(oidc, nonce, **extra))
    response = callback_with(client, monkeypatch, state, token)
    assert_refused(client, response, "audience_mismatch")


def test_wrong_nonce_in_a_validly_signed_token_is_refused(client, oidc, trusted_key, monkeypatch):
    state, _nonce = started(client)
    token = sign(trusted_key, claims(oidc, "a-nonce-from-another-login"))
    assert_refused(client, callback_with(client, monkeypatch, state, token), "nonce_mismatch")


def test_state_of_another_browser_is_refused(client, oidc, trusted_key, monkeypatch, django_user_model):
    from django.test import Client

    state, nonce = started(client)
    other = Client()
    response = callback_with(other, monkeypatch, state, sign(trusted_key, claims(oidc, nonce)))
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="auth.oidc_refused", details__reason="state_invalid").exists()


def test_state_expires(client, oidc, trusted_key, monkeypatch):
    state, nonce = started(client)
    session = client.session
    session[f"_state_eherkenning_{state}"]["exp"] -= 3600
    session.save()
    assert_refused(
        client, callback_with(client, monkeypatch, state, sign(trusted_key, claims(oidc, nonce))), "state_invalid"
    )


def test_authorization_response_from_another_issuer_is_refused(client, oidc, trusted_key, monkeypatch):
    state, nonce = started(client)
    monkeypatch.setattr(
        BrokerClient, "fetch_access_token", lambda self, **kw: pytest.fail("no code may be redeemed after a mix-up")
    )
    response = client.get(f"/accounts/eherkenning/callback/?code=c&state={state}&iss=https://evil.example")
    assert_refused(client, response, "issuer_mismatch")


def test_discovery_document_naming_another_issuer_is_refused(client, oidc_settings, oidc_provider):
    client_module._client_for.cache_clear()
    oidc_settings.OIDC_ISSUER = oidc_provider.issuer + "/"  # the document says it without the slash: fine
    assert client.get("/accounts/eherkenning/login/").status_code == 302
    client_module._client_for.cache_clear()
    oidc_settings.OIDC_ISSUER = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    response = client.get("/accounts/eherkenning/login/")
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="auth.oidc_refused", details__reason="issuer_mismatch").exists()
    client_module._client_for.cache_clear()


def test_unreachable_provider_is_a_clear_503(client, oidc_settings):
    client_module._client_for.cache_clear()
    oidc_settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens
    response = client.get("/accounts/eherkenning/login/")
    assert response.status_code == 503
    assert "niet bereikbaar" in response.content.decode()
    client_module._client_for.cache_clear()


def test_a_trusted_second_audience_is_accepted_with_azp(client, oidc, trusted_key, monkeypatch, settings):
    settings.OIDC_TRUSTED_AUDIENCES = ["rvo-gateway"]
    state, nonce = started(client)
    token = sign(trusted_key, claims(oidc, nonce, aud=["imvo-portal-test", "rvo-gateway"], azp="imvo-portal-test"))
    assert callback_with(client, monkeypatch, state, token).status_code == 302
    assert OIDCIdentity.objects.filter(subject="pseudo-crafted").exists()


def test_a_trusted_second_audience_needs_azp(client, oidc, trusted_key, monkeypatch, settings):
    settings.OIDC_TRUSTED_AUDIENCES = ["rvo-gateway"]
    state, nonce = started(client)
    token = sign(trusted_key, claims(oidc, nonce, aud=["imvo-portal-test", "rvo-gateway"]))
    response = callback_with(client, monkeypatch, state, token)
    assert response.status_code == 400
    assert not OIDCIdentity.objects.exists()


@pytest.mark.parametrize("claim", ["sub", KVK, "name", "email", "loa"])
def test_an_over_long_claim_refuses_the_login_instead_of_being_cut(client, oidc, trusted_key, monkeypatch, claim):
    """Two pseudonyms that differ only after character 255 must never become one account."""
    state, nonce = started(client)
    long_values = {"sub": "pseudo-" + "x" * 300, KVK: "9" * 21, "name": "N" * 151, "email": "a" * 250 + "@x.nl"}
    token = sign(trusted_key, claims(oidc, nonce, **{claim: long_values.get(claim, "l" * 201)}))
    assert_refused(client, callback_with(client, monkeypatch, state, token), "claim_too_long")
