"""The short reference and the verification code on every receipt.

- **Reference** ``IMVO-YYYY-NNNNNN``: the year of signing (Europe/Amsterdam) and a number that
  counts up per year. It is allocated by ``declaration_record`` while it holds the chain lock (the
  same lock that hands out ``sequence``), so concurrent signings never get the same number; a
  partial unique constraint on ``Declaration.reference`` is the safety net. The reference is part
  of the hashed record.
- **Verification code** ``XXXX-XXXX-XXXX``: 12 characters from a 32-character alphabet without
  look-alikes (0/O, 1/I), so 60 bits. It is not stored anywhere: it is an HMAC-SHA-256, with a key
  derived from the record's chain key (which is never in the database), of the reference and the
  record hash. Only someone holding the receipt (or the chain key) knows it; an insider who can
  read or write the tables cannot compute it, and a lookup compares it in constant time.
"""

import hashlib
import hmac
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from .keys import LEGACY_KEY_ID, chain_keys

REFERENCE_PREFIX = "IMVO"
REFERENCE_RE = re.compile(r"^IMVO-(\d{4})-(\d{6})$")
REFERENCE_FIND_RE = re.compile(r"IMVO-\d{4}-\d{6}")
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 characters, 5 bits each
CODE_LENGTH = 12
CODE_GROUP = 4
CODE_FIND_RE = re.compile(r"\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b")
_SIGNING_ZONE = ZoneInfo("Europe/Amsterdam")


def reference_year(signed_at: datetime) -> int:
    return signed_at.astimezone(_SIGNING_ZONE).year


def reference_format(year: int, number: int) -> str:
    return f"{REFERENCE_PREFIX}-{year:04d}-{number:06d}"


def reference_prefix(signed_at: datetime) -> str:
    """``IMVO-2027-``: what every reference of that signing year starts with."""
    return f"{REFERENCE_PREFIX}-{reference_year(signed_at):04d}-"


def reference_next(*, signed_at: datetime, last_reference: str | None) -> str:
    """The reference after ``last_reference`` (the highest one of the year) for a record signed at ``signed_at``.

    Numbers restart at 1 each year. Call under the chain lock.
    """
    year = reference_year(signed_at)
    match = REFERENCE_RE.match(last_reference or "")
    number = int(match.group(2)) + 1 if match and int(match.group(1)) == year else 1
    return reference_format(year, number)


def reference_normalise(value: str) -> str:
    """``" imvo 2027 123 "`` → ``"IMVO-2027-000123"``; an empty string if it cannot be a reference."""
    parts = re.findall(r"[0-9]+|[A-Za-z]+", value or "")
    if len(parts) == 3 and parts[0].upper() == REFERENCE_PREFIX and len(parts[1]) == 4 and len(parts[2]) <= 6:
        return reference_format(int(parts[1]), int(parts[2]))
    return ""


def code_normalise(value: str) -> str:
    """Upper case, without spaces or hyphens; an empty string if it cannot be a code."""
    raw = re.sub(r"[\s\-]", "", value or "").upper()
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return ""
    return raw


def code_format(raw: str) -> str:
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, len(raw), CODE_GROUP))


def _code_raw(*, key_id: str, reference: str, record_hash: str) -> str | None:
    if not reference or key_id == LEGACY_KEY_ID:
        return None
    key = chain_keys().get(key_id)
    if key is None:
        return None
    code_key = hmac.new(key.secret, b"imvo receipt verification code key v1", hashlib.sha256).digest()
    digest = hmac.new(code_key, f"{reference}\x00{record_hash}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big") >> (64 - 5 * CODE_LENGTH)
    chars = []
    for _ in range(CODE_LENGTH):
        chars.append(CODE_ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def verification_code(declaration) -> str:
    """The grouped code printed on the receipt (empty for records without a reference or key)."""
    raw = _code_raw(key_id=declaration.key_id, reference=declaration.reference, record_hash=declaration.record_hash)
    return code_format(raw) if raw else ""


def verification_code_matches(declaration, code: str) -> bool:
    """Whether ``code`` (as typed: any case, spaces or hyphens) is this record's code; constant time."""
    expected = _code_raw(
        key_id=declaration.key_id, reference=declaration.reference, record_hash=declaration.record_hash
    )
    given = code_normalise(code)
    if not expected:
        # Compare anyway so a record without a code takes as long as one with a wrong code.
        hmac.compare_digest("X" * CODE_LENGTH, given or "Y" * CODE_LENGTH)
        return False
    return hmac.compare_digest(expected, given or "")
