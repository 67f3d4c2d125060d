"""The signature of a delivery, as Stripe does it: HMAC-SHA256 over ``"<timestamp>.<body>"``.

Header: ``Webhook-Signature: t=<unix seconds>,v1=<hex digest>``. A receiver recomputes the digest
with its copy of the endpoint's secret over the timestamp, a dot and the raw body bytes, compares
in constant time and refuses a timestamp older than a few minutes (replay). ``docs/webhooks.md``
has a receiver in a few lines.
"""

import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def signature_verify(secret: str, header: str, body: bytes, *, now: int | None = None) -> bool:
    """What a receiver does (also used by the tests): True when a ``v1`` signature matches and the
    timestamp is within ``TOLERANCE_SECONDS``."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", []))
