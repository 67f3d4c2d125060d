"""Canonical serialisation and hashes of declaration records.

The record hash covers every evidential field and the previous record's hash, so changing any
record, or removing or reordering one, breaks verification from that record on. Personal fields
are represented only by a salted hash, so erasing them (and the salt) keeps the chain intact.
"""

import hashlib
import json
from datetime import UTC, datetime

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
)


def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def personal_hash(*, salt: str, name: str, position: str, ip_address: str | None, user_agent: str) -> str:
    payload = {"name": name, "position": position, "ip_address": ip_address or "", "user_agent": user_agent}
    return hashlib.sha256(salt.encode("utf-8") + b"\x00" + _canonical(payload)).hexdigest()


def record_hash(declaration) -> str:
    data = {}
    for field in RECORD_FIELDS:
        value = getattr(declaration, field)
        data[field] = _utc(value) if isinstance(value, datetime) else value
    return hashlib.sha256(_canonical(data)).hexdigest()
