"""Canonical serialisation and keyed hashes of declaration records.

The record hash is an HMAC-SHA-256, with a key that is never in the database, over every evidential
field, the key id and the previous record's hash. Changing any record, or removing or reordering
one, breaks verification from that record on, and an insider without the key cannot compute a
valid hash for a forged or re-hashed record. Personal fields are represented only by a salted hash,
so erasing them (and the salt) keeps the chain intact; the erasure itself is committed by a keyed
``erasure_mac``.

Records written before the chain was keyed carry the key id ``sha256-v1`` and an unkeyed SHA-256
of the same serialisation without the key id; they verify only where a signed checkpoint covers
them.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

from .keys import LEGACY_KEY_ID, chain_keys

RECORD_FIELDS = (
    "sequence",
    "registration_id",
    "organisation_id",
    "organisation_name",
    "organisation_kvk",
    "text_id",
    "text_version",
    "text_language",
    "text_sha256",
    "decision",
    "explanation",
    "confirms_authority",
    "user_id",
    "signed_at",
    "brochure_version",
    "reused_from_id",
    "personal_hash",
    "previous_hash",
    "reference",
)

#: Fields added after records were written: left out of the hashed data while empty, so the
#: records written before them keep their hashes (a value added or removed later still breaks it).
LATER_FIELDS = frozenset({"reference"})

#: The subject fields of a declaration for an EZK instrument. They are part of the record hash
#: whenever any of them is set (so records written before they existed keep their hash, and
#: setting one on such a record breaks it); together with ``registration_id`` above they say what
#: the declaration was for.
SUBJECT_FIELDS = (
    "instrument_application_id",
    "instrument_code",
    "application_reference",
    "framework_level",
)

#: Fields added later: part of the hash only when set, so earlier records keep their hash.
OPTIONAL_RECORD_FIELDS = ("authority",)  # where an eHerkenning authorisation gave the authority to sign


class UnknownKey(Exception):
    """The record names a key id that is not configured."""


def canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def personal_hash(*, salt: str, name: str, position: str, ip_address: str | None, user_agent: str) -> str:
    payload = {"name": name, "position": position, "ip_address": ip_address or "", "user_agent": user_agent}
    return hashlib.sha256(salt.encode("utf-8") + b"\x00" + canonical(payload)).hexdigest()


def record_data(declaration) -> dict:
    data = {}
    for field in RECORD_FIELDS:
        value = getattr(declaration, field)
        if field in LATER_FIELDS and value in ("", None):
            continue
        data[field] = utc_text(value) if isinstance(value, datetime) else value
    subject = {field: getattr(declaration, field, None) for field in SUBJECT_FIELDS}
    if any(value not in (None, "") for value in subject.values()):
        data.update(subject)
    for field in OPTIONAL_RECORD_FIELDS:
        if getattr(declaration, field, ""):
            data[field] = getattr(declaration, field)
    return data


def _secret(key_id: str) -> bytes:
    key = chain_keys().get(key_id)
    if key is None:
        raise UnknownKey(key_id)
    return key.secret


def record_hash(declaration) -> str:
    """The hash the record must carry, computed with the key its ``key_id`` names.

    Raises ``UnknownKey`` when that key is not configured.
    """
    data = record_data(declaration)
    if declaration.key_id == LEGACY_KEY_ID:
        return hashlib.sha256(canonical(data)).hexdigest()
    data["key_id"] = declaration.key_id
    return hmac.new(_secret(declaration.key_id), canonical(data), hashlib.sha256).hexdigest()


def erasure_mac(*, key_id: str, sequence: int, record_hash: str, erased_at: datetime) -> str:
    """Keyed commitment that the personal data of record ``sequence`` were erased at ``erased_at``."""
    data = {
        "kind": "personal_data_erasure",
        "key_id": key_id,
        "sequence": sequence,
        "record_hash": record_hash,
        "erased_at": utc_text(erased_at),
    }
    return hmac.new(_secret(key_id), canonical(data), hashlib.sha256).hexdigest()
