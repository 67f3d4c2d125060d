"""The evidence keys: the HMAC key of the declaration chain and the Ed25519 key of its checkpoints.

Neither key is ever stored in the database: an insider who can write the tables but does not hold
the keys cannot make a record or a checkpoint that verifies. Keys come from the environment
(``imvo_portal/settings.py``); the embedded default has development keys that are refused once
``DEBUG`` is off. A key is known by an id derived from it, so rotating a key never needs a
matching id to be configured by hand:

- chain keys: ``hmac-`` and the first 12 hex digits of a SHA-256 of the key (domain-separated);
- checkpoint keys: ``ed25519-`` and the first 12 hex digits of the SHA-256 of the raw public key.

Records written before the chain was keyed carry ``LEGACY_KEY_ID`` and verify with an unkeyed
SHA-256, but only where a signed checkpoint covers them (see ``declarations/verification.py``).
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.evidence_keys import (  # noqa: F401  (re-exported: the declarations' names for them)
    MIN_CHAIN_KEY_BYTES,
    ChainKey,
    chain_key_id,
    chain_keys,
    current_chain_key,
    current_chain_key_id,
)
from core.evidence_keys import decode_secret as _decode_secret

LEGACY_KEY_ID = "sha256-v1"


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


def _public_raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signing_key_id(public_key: Ed25519PublicKey) -> str:
    return "ed25519-" + hashlib.sha256(_public_raw(public_key)).hexdigest()[:12]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The raw public key in base64: what a third party needs to check a checkpoint."""
    return base64.b64encode(_public_raw(public_key)).decode("ascii")


def _load_private(value: str) -> Ed25519PrivateKey:
    value = value.strip()
    name = "DECLARATION_CHECKPOINT_PRIVATE_KEY"
    if value.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(value.encode("ascii"), password=None)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(f"{name} is not a readable unencrypted PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{name} must be an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name} must be PEM or the base64 of the 32-byte private key") from None
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{name} must be PEM or the base64 of the 32-byte private key")
    return Ed25519PrivateKey.from_private_bytes(raw)


def _load_public(value: str) -> Ed25519PublicKey:
    value = value.strip()
    name = "DECLARATION_CHECKPOINT_PUBLIC_KEYS"
    if value.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(value.encode("ascii"))
        except ValueError:
            raise ImproperlyConfigured(f"{name} holds an unreadable PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ImproperlyConfigured(f"{name} must hold Ed25519 keys")
        return key
    try:
        raw = base64.b64decode(value, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name} must hold PEM or base64 raw Ed25519 public keys") from None


@lru_cache(maxsize=8)
def _signing(private: str, older_public: tuple[str, ...]) -> tuple[SigningKey, dict[str, Ed25519PublicKey]]:
    if not private:
        raise ImproperlyConfigured("DECLARATION_CHECKPOINT_PRIVATE_KEY is not set")
    key = _load_private(private)
    signing = SigningKey(signing_key_id(key.public_key()), key)
    public = {signing.key_id: signing.public_key}
    for value in older_public:
        if value.strip():
            older = _load_public(value)
            public.setdefault(signing_key_id(older), older)
    return signing, public


def checkpoint_signing_key() -> SigningKey:
    return _signing(settings.DECLARATION_CHECKPOINT_PRIVATE_KEY, tuple(settings.DECLARATION_CHECKPOINT_PUBLIC_KEYS))[0]


def checkpoint_public_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys checkpoints may be signed with, by id (the current one and older ones)."""
    return _signing(settings.DECLARATION_CHECKPOINT_PRIVATE_KEY, tuple(settings.DECLARATION_CHECKPOINT_PUBLIC_KEYS))[1]


def evidence_keys_check() -> None:
    """Load every configured key once; raise ImproperlyConfigured with a clear message if one is wrong."""
    chain_keys()
    checkpoint_public_keys()
    if not settings.DEBUG:
        dev_chain = _decode_secret(settings.DEV_DECLARATION_CHAIN_KEY, name="DEV_DECLARATION_CHAIN_KEY")
        if chain_key_id(dev_chain) in chain_keys():
            raise ImproperlyConfigured("DECLARATION_CHAIN_KEY(S) must not be the development key when DEBUG is off")
        dev_signing = _load_private(settings.DEV_DECLARATION_CHECKPOINT_PRIVATE_KEY)
        if signing_key_id(dev_signing.public_key()) in checkpoint_public_keys():
            raise ImproperlyConfigured(
                "DECLARATION_CHECKPOINT_PRIVATE_KEY / _PUBLIC_KEYS must not be the development key when DEBUG is off"
            )
