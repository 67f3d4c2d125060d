"""Canonical serialisation and keyed hashes of declaration records.

The record hash is an HMAC-SHA-256, with a key that is never in the database, over every evidential
field, the key id and the previous record's hash. Changing any record, or removing or reordering
one, breaks verification from that record on, and an insider without the key cannot compute a
valid hash for a forged or re-hashed record. Personal fields are represented only by a salted hash,
so erasing them (and the salt) keeps the chain intact; the erasure itself is committed by a keyed
``erasure_mac``.

Each record names its format (``format_version``): the fields it commits to and how. Every format
stays verifiable for ever; a new field means a new format (``FORMAT_FIELDS``).

Records written before the chain was keyed carry the key id ``sha256-v1`` and an unkeyed SHA-256
of the same serialisation without the key id; they verify only where a signed checkpoint covers
them.
"""

import hashlib
import hmac
from datetime import UTC, datetime

from core.canonical import canonical_json

from .constants import RECORD_FORMAT_2, RECORD_FORMAT_3, RECORD_FORMAT_LEGACY
from .keys import LEGACY_KEY_ID, chain_keys

#: Format 1: the records written before formats were named. Their serialisation is kept exactly:
#: the subject in the foreign-key columns of that time, and three groups of fields added later that
#: are hashed only when set (so the records written before each group keep their hash).
FORMAT_1_FIELDS = (
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
FORMAT_1_LATER_FIELDS = frozenset({"reference"})  # left out while empty
FORMAT_1_SUBJECT_FIELDS = (  # all hashed when any is set: a record for an EZK instrument
    "instrument_application_id",
    "instrument_code",
    "application_reference",
    "framework_level",
)
FORMAT_1_OPTIONAL_FIELDS = ("authority",)  # hashed only when set
#: Format 1 names its subject columns as they were; the model keeps them under these attributes.
FORMAT_1_ATTRIBUTES = {
    "registration_id": "legacy_registration_id",
    "instrument_application_id": "legacy_instrument_application_id",
}

#: Format 2: every field, always. A new field means a new format, never an optional field.
FORMAT_2_FIELDS = (
    "format_version",
    "sequence",
    "reference",
    "subject_type",
    "subject_id",
    "subject_snapshot",
    "organisation_id",
    "organisation_name",
    "organisation_kvk",
    "text_id",
    "text_kind",
    "text_version",
    "text_language",
    "text_sha256",
    "signed_text_sha256",
    "decision",
    "explanation",
    "confirms_authority",
    "authority",
    "user_id",
    "signed_at",
    "brochure_version",
    "reused_from_id",
    "personal_hash",
    "previous_hash",
)

#: Format 3: format 2 without the free text a person typed. The explanation is committed through
#: ``personal_hash`` (salted, with the signatory's personal data), so erasing it keeps the chain.
FORMAT_3_FIELDS = tuple(name for name in FORMAT_2_FIELDS if name != "explanation")

#: The fields each format commits to (the tamper tests change each of them once).
FORMAT_FIELDS = {
    RECORD_FORMAT_LEGACY: (*FORMAT_1_FIELDS, *FORMAT_1_SUBJECT_FIELDS, *FORMAT_1_OPTIONAL_FIELDS),
    RECORD_FORMAT_2: FORMAT_2_FIELDS,
    RECORD_FORMAT_3: FORMAT_3_FIELDS,
}


class UnknownKey(Exception):
    """The record names a key id that is not configured."""


class UnknownFormat(Exception):
    """The record names a format this code does not know."""


#: The serialisation every record hash is computed over (``core.canonical``, compact form).
canonical = canonical_json


def utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def personal_hash(
    *,
    salt: str,
    name: str,
    position: str,
    ip_address: str | None,
    user_agent: str,
    explanation: str | None = None,
) -> str:
    """Salted SHA-256 of the personal part. ``explanation`` is committed from format 3 on (pass it,
    even empty, for those records; ``None`` for formats 1 and 2, whose hashes stay as they were)."""
    payload = {"name": name, "position": position, "ip_address": ip_address or "", "user_agent": user_agent}
    if explanation is not None:
        payload["explanation"] = explanation
    return hashlib.sha256(salt.encode("utf-8") + b"\x00" + canonical(payload)).hexdigest()


def commits_explanation_personally(format_version: int) -> bool:
    """Whether a record of this format commits its explanation through ``personal_hash``."""
    return format_version >= RECORD_FORMAT_3


def _value(value):
    return utc_text(value) if isinstance(value, datetime) else value


def _format_1_data(declaration) -> dict:
    def get(name):
        return getattr(declaration, FORMAT_1_ATTRIBUTES.get(name, name), None)

    data = {}
    for name in FORMAT_1_FIELDS:
        value = get(name)
        if name in FORMAT_1_LATER_FIELDS and value in ("", None):
            continue
        data[name] = _value(value)
    subject = {name: get(name) for name in FORMAT_1_SUBJECT_FIELDS}
    if any(value not in (None, "") for value in subject.values()):
        data.update(subject)
    for name in FORMAT_1_OPTIONAL_FIELDS:
        if get(name):
            data[name] = get(name)
    return data


def _format_2_data(declaration) -> dict:
    return {name: _value(getattr(declaration, name)) for name in FORMAT_FIELDS[declaration.format_version]}


def record_data(declaration) -> dict:
    """The data a record's hash covers, in the record's own format."""
    if declaration.format_version == RECORD_FORMAT_LEGACY:
        return _format_1_data(declaration)
    if declaration.format_version in (RECORD_FORMAT_2, RECORD_FORMAT_3):
        return _format_2_data(declaration)
    raise UnknownFormat(declaration.format_version)


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
