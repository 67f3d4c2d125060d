"""The real OpenID Provider for tests (node ``oidc-provider`` with ``tests/oidc/provider.mjs``).

Tests marked ``oidc`` get it from the session-scoped ``oidc_provider`` fixture, which starts it on a
free loopback port and stops it at the end; ``oidc_settings`` points the portal at it. Without
node or ``npm ci`` in tests/oidc the tests skip with the reason (in CI they fail: conftest.py).
``provider_login`` drives the provider's own login page over HTTP, as a browser would.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from joserfc.jwk import RSAKey

HERE = Path(__file__).resolve().parent
CLIENT_ID = "imvo-portal-test"
CLIENT_SECRET = "test-only-secret"  # a throwaway provider on loopback
TEST_SERVER = "http://testserver"
#: Node loads the provider in about a second; on a busy CI machine it can take much longer.
STARTUP_SECONDS = 90


def oidc_unavailable() -> str | None:
    if not shutil.which("node"):
        return "node is not installed (the OpenID Provider in tests/oidc needs Node.js)"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "the OpenID Provider is not installed (run `npm ci` in tests/oidc)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: The private_key_jwt client's key (RSA, PEM); its public half is registered at the provider.
_PKJWT_KEY = RSAKey.generate_key(2048, parameters={"kid": "portal-1", "use": "sig", "alg": "RS256"})
PKJWT_CLIENT_ID = CLIENT_ID + "-pkjwt"
PKJWT_PRIVATE_KEY = _PKJWT_KEY.as_pem(private=True).decode()


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_provider(portal_urls: list[str], *, port: int | None = None, jwks: dict | None = None) -> RunningProvider:
    """Start the provider on ``port`` (default: a free one) with its signing keys ``jwks`` (a
    private JWK set; default: fresh keys). Stopping it and starting it again on the same port with
    other keys is a key rotation as the portal sees it."""
    port = port or _free_port()
    env = {
        **os.environ,
        "OIDC_PROVIDER_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": " ".join(f"{u}/accounts/eherkenning/callback/" for u in portal_urls),
        "OIDC_POST_LOGOUT_REDIRECT_URIS": " ".join(f"{u}/" for u in portal_urls),
        "OIDC_PKJWT_JWKS": json.dumps({"keys": [_PKJWT_KEY.as_dict(private=False)]}),
    }
    if jwks is not None:
        env["OIDC_PROVIDER_JWKS"] = json.dumps(jwks)
    log = open(HERE.parents[1] / "test-artifacts" / f"oidc-provider-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(["node", str(HERE / "provider.mjs")], env=env, stdout=log, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if requests.get(issuer + "/.well-known/openid-configuration", timeout=1).ok:
                return RunningProvider(issuer, process)
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the OpenID Provider did not start (see test-artifacts/oidc-provider-{port}.log)")


@pytest.fixture(scope="session")
def oidc_provider():
    (HERE.parents[1] / "test-artifacts").mkdir(exist_ok=True)
    provider = start_provider([TEST_SERVER])
    yield provider
    provider.stop()


def configure(settings, issuer: str) -> None:
    """What the OIDC_* variables do at start-up, including the CSP's form-action for the logout."""
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(issuer)
    settings.CONTENT_SECURITY_POLICY = policy
    settings.OIDC_ISSUER = issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_CLIENT_AUTH_METHOD = "client_secret_basic"
    settings.OIDC_TIMEOUT = 30  # a loaded CI machine; the production default stays short


@pytest.fixture
def oidc_settings(settings, oidc_provider):
    configure(settings, oidc_provider.issuer)
    return settings


_FORM = re.compile(r'<form[^>]*action="([^"]+)"', re.S)


def provider_login(authorization_url: str, account: str) -> str:
    """Log in on the provider's own page as ``account``; return the redirect back to the portal."""
    browser = requests.Session()
    response = browser.get(authorization_url, allow_redirects=True, timeout=30)
    for _ in range(5):
        match = _FORM.search(response.text)
        assert match, response.text[:500]
        action = urljoin(response.url, unescape(match.group(1)))
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', response.text))
        fields.update({"login": account, "password": "any"})
        response = browser.post(action, data=fields, allow_redirects=False, timeout=30)
        while response.status_code in (302, 303) and not response.headers["Location"].startswith(TEST_SERVER):
            response = browser.get(
                urljoin(response.url, response.headers["Location"]), allow_redirects=False, timeout=30
            )
        if response.status_code in (302, 303):
            return response.headers["Location"]
    raise AssertionError("the provider did not send the browser back to the portal")
