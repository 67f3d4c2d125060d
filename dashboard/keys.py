"""The key of the dashboard's keyed random rounding (``disclosure._key``), a key of its own.

Whoever holds the key can recompute every rounding draw and so undo the rounding; it is therefore
never derived from ``SECRET_KEY`` (which leaks more easily and is public with ``DEBUG`` on), must be
at least 32 random bytes (hex or base64, decoded by the same rule as the evidence keys), and is
required in production: ``manage.py check --deploy`` fails without it (``dashboard.checks``). The
embedded default (``DEBUG`` on, nothing configured) uses a key generated at first use and kept
outside the database (``core.local_state``).

The page cache and logs know the key only by ``rounding_key_id``, a one-way id.
"""

import hashlib
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import force_bytes

from core.local_state import local_secret
from declarations.keys import _decode_secret

SETTING = "DASHBOARD_ROUNDING_KEY"
LOCAL_SECRET_NAME = "dashboard-rounding"
# 32 random bytes have ~31 distinct values; fewer than this means a pattern ("ab" * 32), not chance.
MIN_DISTINCT_BYTES = 16
# What the key was derived from before it had to be one of its own (refused).
_OLD_DERIVATION_PREFIX = b"imvo-dashboard-rounding:"


def rounding_key_decode(value: str) -> bytes:
    """The raw key ``value`` stands for; ``ImproperlyConfigured`` unless it is a usable key."""
    raw = _decode_secret(value, name=SETTING)
    if len(set(raw)) < MIN_DISTINCT_BYTES:
        raise ImproperlyConfigured(f"{SETTING} does not look random (too few distinct bytes); generate one")
    secret_key = force_bytes(settings.SECRET_KEY)
    derived = (secret_key, hashlib.sha256(_OLD_DERIVATION_PREFIX + secret_key).digest())
    if raw in derived or force_bytes(value.strip()) == secret_key:
        raise ImproperlyConfigured(f"{SETTING} must not be derived from SECRET_KEY")
    if raw in _evidence_keys():
        raise ImproperlyConfigured(f"{SETTING} must be a key of its own, not an evidence key")
    return raw


def _evidence_keys() -> set[bytes]:
    keys = set()
    for value in (settings.DECLARATION_CHAIN_KEY, *settings.DECLARATION_CHAIN_KEYS):
        try:
            keys.add(_decode_secret(value, name="DECLARATION_CHAIN_KEY"))
        except ImproperlyConfigured:
            continue  # reported by the evidence keys' own check
    return keys


@lru_cache(maxsize=8)
def _rounding_key(value: str, debug: bool, state_dir: str, secret_key: str) -> bytes:
    if value:
        return rounding_key_decode(value)
    if not debug:
        raise ImproperlyConfigured(f"{SETTING} is required when DJANGO_DEBUG is off (hex or base64, >= 32 bytes)")
    return rounding_key_decode(local_secret(LOCAL_SECRET_NAME))


def rounding_key() -> bytes:
    """The rounding key in use: the configured one, else (``DEBUG`` only) the generated local one."""
    return _rounding_key(
        settings.DASHBOARD_ROUNDING_KEY, settings.DEBUG, str(settings.LOCAL_STATE_DIR), settings.SECRET_KEY
    )


def rounding_key_id() -> str:
    """A one-way id of the key in use, for cache keys: changes with the key, reveals nothing of it."""
    return "rk-" + hashlib.sha256(b"imvo dashboard rounding key id\x00" + rounding_key()).hexdigest()[:16]
