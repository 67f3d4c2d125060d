"""One token generator for single-use links (e-mail confirmation, account deletion, invitations).

In the manner of Django's ``PasswordResetTokenGenerator`` and Open Forms' ``tokens.py``: the link
carries a token that the portal can check and that stops working once used. Two kinds, one module:

- ``StateTokenGenerator``: a *stateless* token, nothing stored. The link carries the object's id
  and a keyed fingerprint (``salted_hmac``) of the object's state that changes when the link is
  used (or when the password or account changes), signed and time-stamped with Django's
  ``signing`` under the generator's own salt. Checking recomputes the fingerprint from the row
  as it is now; once the row changed, the token is stale. Used where the object itself changes
  on use: a confirmation (``email_confirmed_at``) and a deletion (the account is erased).
- ``stored_token_new`` / ``stored_token_digest``: a random token of 256 bits whose SHA-256 alone
  is stored, for a link that names a row of its own (an invitation). Someone reading the
  database, a backup or the admin learns no usable link; the row's ``accepted_at`` /
  ``revoked_at`` / ``expires_at`` make it single-use. A high-entropy token needs no salt or slow
  hash: nobody can guess the preimage of a 256-bit random value.

Both raise the same errors (``TokenInvalid`` and its subclasses ``TokenExpired`` and
``TokenStale``); each app turns them into its own translated message.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

#: Bytes of randomness in a stored token (``secrets.token_urlsafe``: 43 characters in a link).
STORED_TOKEN_BYTES = 32


class TokenInvalid(Exception):
    """The token is not one the portal issued (tampered, cut off, another purpose, unknown row)."""


class TokenExpired(TokenInvalid):
    """The token was issued by the portal but is older than its maximum age."""


class TokenStale(TokenInvalid):
    """The token was issued for ``obj`` but the state it was bound to has changed since (used)."""

    def __init__(self, obj: Any):
        super().__init__("token is stale")
        self.obj = obj


class StateTokenGenerator:
    """Signed, expiring tokens bound to the state of one object; nothing is stored.

    ``salt`` separates the purposes (a confirmation token is no deletion token) and keys the state
    fingerprint; ``state`` gives the text that must change when the link has been used;
    ``max_age_setting`` names the setting with the lifetime in seconds (read on every check, so
    a changed setting applies to links already sent).

    The format (``signing.dumps({"uid": pk, "state": fingerprint}, salt=salt)``, fingerprint the
    first 32 hex characters of ``salted_hmac(salt, state, sha256)``) is the one the portal sent
    before this module existed, so links in mailboxes keep working.
    """

    def __init__(self, *, salt: str, state: Callable[[Any], str], max_age_setting: str):
        self.salt = salt
        self.state = state
        self.max_age_setting = max_age_setting

    def fingerprint(self, obj: Any) -> str:
        return salted_hmac(self.salt, self.state(obj), algorithm="sha256").hexdigest()[:32]

    def make_token(self, obj: Any) -> str:
        return signing.dumps({"uid": obj.pk, "state": self.fingerprint(obj)}, salt=self.salt)

    def _payload(self, token: str) -> tuple[int, str]:
        """The id and state fingerprint a token carries, if its signature and age are good."""
        try:
            data = signing.loads(token, salt=self.salt, max_age=getattr(settings, self.max_age_setting))
        except signing.SignatureExpired as exc:
            raise TokenExpired() from exc
        except signing.BadSignature as exc:
            raise TokenInvalid() from exc
        if not isinstance(data, dict) or not isinstance(data.get("state"), str):
            raise TokenInvalid()
        uid = data.get("uid")
        if not isinstance(uid, int) or isinstance(uid, bool):
            raise TokenInvalid()
        return uid, data["state"]

    def check_token(self, token: str, *, load: Callable[[int], Any | None]) -> Any:
        """The object the token names, loaded with ``load(id)`` (which may lock the row or return
        None for an object the caller will not act on), while the token still fits its state.

        Raises ``TokenExpired``, ``TokenInvalid`` (bad signature or payload, no object) or
        ``TokenStale`` (the object's state changed: the link was used or the account changed).
        """
        uid, state = self._payload(token)
        obj = load(uid)
        if obj is None:
            raise TokenInvalid()
        if not constant_time_compare(state, self.fingerprint(obj)):
            raise TokenStale(obj)
        return obj


def stored_token_digest(token: str) -> str:
    """The SHA-256 (hex) under which a stored token's row is found; the token itself is not kept."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def stored_token_new() -> tuple[str, str]:
    """A new random link token and its digest: put the token in the link, store only the digest."""
    token = secrets.token_urlsafe(STORED_TOKEN_BYTES)
    return token, stored_token_digest(token)
