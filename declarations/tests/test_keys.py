import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from declarations.keys import (
    chain_key_id,
    chain_keys,
    checkpoint_public_keys,
    checkpoint_signing_key,
    current_chain_key,
    evidence_keys_check,
    public_key_text,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = bytes(range(32))


@pytest.mark.parametrize("encoded", [SECRET.hex(), base64.b64encode(SECRET).decode(), base64.urlsafe_b64encode(SECRET)])
def test_chain_key_is_read_from_hex_or_base64(settings, encoded):
    settings.DECLARATION_CHAIN_KEY = encoded if isinstance(encoded, str) else encoded.decode().rstrip("=")
    assert current_chain_key().secret == SECRET
    assert current_chain_key().key_id == chain_key_id(SECRET)


@pytest.mark.parametrize("value", ["", "abc", "not base64 at all!", base64.b64encode(b"short").decode()])
def test_a_missing_short_or_unreadable_chain_key_is_refused(settings, value):
    settings.DECLARATION_CHAIN_KEY = value
    with pytest.raises(ImproperlyConfigured, match="DECLARATION_CHAIN_KEY"):
        chain_keys()


def test_older_chain_keys_stay_known_by_their_id(settings):
    settings.DECLARATION_CHAIN_KEY = SECRET.hex()
    settings.DECLARATION_CHAIN_KEYS = [base64.b64encode(b"o" * 32).decode()]
    assert set(chain_keys()) == {chain_key_id(SECRET), chain_key_id(b"o" * 32)}


def test_checkpoint_key_from_pem_or_raw_base64_and_public_keys(settings):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.DECLARATION_CHECKPOINT_PRIVATE_KEY = pem
    from_pem = checkpoint_signing_key()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    settings.DECLARATION_CHECKPOINT_PRIVATE_KEY = base64.b64encode(raw).decode()
    assert checkpoint_signing_key().key_id == from_pem.key_id
    other = Ed25519PrivateKey.generate().public_key()
    settings.DECLARATION_CHECKPOINT_PUBLIC_KEYS = [public_key_text(other)]
    assert len(checkpoint_public_keys()) == 2


@pytest.mark.parametrize("value", ["", "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----", "AAAA"])
def test_a_missing_or_unreadable_checkpoint_key_is_refused(settings, value):
    settings.DECLARATION_CHECKPOINT_PRIVATE_KEY = value
    with pytest.raises(ImproperlyConfigured, match="DECLARATION_CHECKPOINT_PRIVATE_KEY"):
        checkpoint_signing_key()


def test_development_keys_are_refused_when_debug_is_off(settings):
    settings.DECLARATION_CHAIN_KEY = settings.DEV_DECLARATION_CHAIN_KEY
    settings.DECLARATION_CHECKPOINT_PRIVATE_KEY = settings.DEV_DECLARATION_CHECKPOINT_PRIVATE_KEY
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="development key"):
        evidence_keys_check()
    settings.DECLARATION_CHAIN_KEY = SECRET.hex()
    with pytest.raises(ImproperlyConfigured, match="CHECKPOINT"):
        evidence_keys_check()
    settings.DECLARATION_CHECKPOINT_PRIVATE_KEY = base64.b64encode(b"p" * 32).decode()
    evidence_keys_check()


def _start_production(**env) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DECLARATION_", "DJANGO_", "DATABASE_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="imvo_portal.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="imvo.example",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_start_up_fails_clearly_without_the_evidence_keys():
    started = _start_production()
    assert started.returncode != 0
    assert "DECLARATION_CHAIN_KEY, DECLARATION_CHECKPOINT_PRIVATE_KEY" in started.stderr
    started = _start_production(
        DECLARATION_CHAIN_KEY=SECRET.hex(), DECLARATION_CHECKPOINT_PRIVATE_KEY=base64.b64encode(b"q" * 32).decode()
    )
    assert started.returncode == 0, started.stderr
