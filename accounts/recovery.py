"""Recovery codes: how they look, and how they are kept (a salted, keyed hash; never the code).

A code is 10 characters of base32 (50 bits), shown once as ``xxxxx-xxxxx``. What is stored is
``<salt>$<HMAC-SHA-256(key, salt + code)>`` with a key derived from ``SECRET_KEY`` (and checked
against ``SECRET_KEY_FALLBACKS`` too, so rotating the secret key does not void codes). A database
copy alone therefore does not reveal a usable code (ASVS 6.5.2); a slow password hash is not
needed at 50 bits of randomness behind a secret key, and would cost seconds for ten codes.
"""

from __future__ import annotations

import hmac
import secrets
from base64 import b32encode

from django.conf import settings
from django.utils.crypto import salted_hmac

_KEY_SALT = "accounts.recovery-code"
CODE_LENGTH = 10


def recovery_code_new() -> str:
    return b32encode(secrets.token_bytes(10)).decode().lower()[:CODE_LENGTH]


def format_recovery_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def _digest(salt: str, code: str, secret=None) -> str:
    return salted_hmac(_KEY_SALT, f"{salt}{code}", secret=secret, algorithm="sha256").hexdigest()


def recovery_code_digest(code: str) -> str:
    salt = secrets.token_hex(8)
    return f"{salt}${_digest(salt, code)}"


def recovery_code_matches(stored: str, code: str) -> bool:
    salt, _, digest = stored.partition("$")
    if not salt or not digest or not code:
        return False
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        if hmac.compare_digest(_digest(salt, code, secret=secret), digest):
            return True
    return False
