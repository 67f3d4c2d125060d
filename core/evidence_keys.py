"""The chain keys of the evidence: HMAC keys that are never stored in the database.

Shared by ``audit`` (the keyed chain of the audit trail) and ``declarations`` (the declaration
chain, its erasure records and ``declarations/keys.py``), so that the lower app never imports the
higher one. Keys come from ``DECLARATION_CHAIN_KEY`` (new writes) and ``DECLARATION_CHAIN_KEYS``
(older keys, still verified); a key is known by an id derived from it (``hmac-`` and 12 hex digits
of a domain-separated SHA-256), stored with every record and event, so keys can rotate.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_CHAIN_KEY_BYTES = 32
_HEX = re.compile(r"^[0-9a-fA-F]+$")


@dataclass(frozen=True)
class ChainKey:
    key_id: str
    secret: bytes = b""


def decode_secret(value: str, *, name: str) -> bytes:
    value = value.strip()
    if len(value) % 2 == 0 and _HEX.match(value):
        raw = bytes.fromhex(value)
    else:
        try:
            raw = base64.b64decode(value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{name} must be hex or base64") from None
    if len(raw) < MIN_CHAIN_KEY_BYTES:
        raise ImproperlyConfigured(f"{name} must be at least {MIN_CHAIN_KEY_BYTES} bytes (hex or base64)")
    return raw


def chain_key_id(secret: bytes) -> str:
    return "hmac-" + hashlib.sha256(b"imvo declaration chain key id\x00" + secret).hexdigest()[:12]


@lru_cache(maxsize=8)
def _chain_keys(current: str, older: tuple[str, ...]) -> tuple[ChainKey, dict[str, ChainKey]]:
    if not current:
        raise ImproperlyConfigured("DECLARATION_CHAIN_KEY is not set")
    current_key = decode_secret(current, name="DECLARATION_CHAIN_KEY")
    head = ChainKey(chain_key_id(current_key), current_key)
    known = {head.key_id: head}
    for value in older:
        if value.strip():
            secret = decode_secret(value, name="DECLARATION_CHAIN_KEYS")
            known.setdefault(chain_key_id(secret), ChainKey(chain_key_id(secret), secret))
    return head, known


def current_chain_key() -> ChainKey:
    """The key new records and events are written with."""
    return _chain_keys(settings.DECLARATION_CHAIN_KEY, tuple(settings.DECLARATION_CHAIN_KEYS))[0]


def current_chain_key_id() -> str:
    """Default of ``Declaration.key_id``: the id of the key new records are written with."""
    return current_chain_key().key_id


def chain_keys() -> dict[str, ChainKey]:
    """Every key a record or event may have been written with, by id (the current one and older ones)."""
    return _chain_keys(settings.DECLARATION_CHAIN_KEY, tuple(settings.DECLARATION_CHAIN_KEYS))[1]


@lru_cache(maxsize=16)
def derived_key(key_id: str, purpose: str) -> bytes | None:
    """A key for one ``purpose`` derived from the chain key ``key_id`` (None when not configured).

    Domain separation: a MAC made for one purpose (the audit trail) is never valid for another
    (a declaration record), although both use the same configured key.
    """
    key = chain_keys().get(key_id)
    if key is None:
        return None
    return hashlib.sha256(b"imvo evidence key\x00" + purpose.encode() + b"\x00" + key.secret).digest()
