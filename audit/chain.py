"""The keyed chain of the audit trail: each event commits to the one before it.

Every ``AuditEvent`` written since the chain exists carries a ``sequence`` (1, 2, 3, ... without
gaps), the ``previous_hash`` of the event before it, the ``key_id`` of the chain key and its
``record_hash``: an HMAC-SHA-256, with a key derived from that chain key for the audit trail only
(``core.evidence_keys.derived_key``), over every column of the event. The personal part
(``AuditEventPersonal``: e-mail address, IP address, user agent, personal details) is committed by
``personal_hash``, a keyed hash over a per-event salt and those values: a changed ``actor_email``
no longer matches, and erasing the part (values and salt emptied, with its erasure event) keeps the
event itself verifiable. Appends are serialised (``audit_lock``), and the declaration checkpoints
sign the head of this chain beside the declaration chain's (checkpoint format 2).

Events written before the chain existed have no sequence. The migration that introduced the chain
committed to all of them at once: ``legacy_digest`` (one set-based statement on PostgreSQL) is the
``previous_hash`` of the first chained event, so changing, deleting or adding such an event breaks
the link from the first keyed event on.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

from django.db import connection

from core.canonical import canonical_json
from core.evidence_keys import derived_key

AUDIT_FORMAT = 1
KEY_PURPOSE = "audit-trail"
# Any constant; the declarations' chain lock takes this one first, so the two never deadlock.
AUDIT_LOCK_KEY = 7_204_612
#: The action of the event that erases personal parts; the database refuses an erasure without it.
PERSONAL_ERASE_ACTION = "audit.personal_erase"
CHAIN_START_ACTION = "audit.chain_start"

#: The columns an event's hash covers (the tamper tests change each of them once).
EVENT_FIELDS = (
    "sequence",
    "previous_hash",
    "key_id",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "organisation_id",
    "created_at",
    "details",
    "personal_hash",
)
#: The values of the personal part its commitment covers: everything ``details_split`` moves there.
PERSONAL_FIELDS = ("actor_email", "ip_address", "user_agent", "details")


#: The serialisation every hash of the trail is computed over (``core.canonical``, compact form).
canonical = canonical_json


def json_safe(value):
    """``value`` as the JSON column gives it back (tuples as lists, keys as strings)."""
    return json.loads(json.dumps(value))


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def audit_lock() -> None:
    """Serialise appends to the audit chain until the end of the current transaction (PostgreSQL).

    SQLite serialises writers itself.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])


def _mac(key_id: str, data) -> str | None:
    key = derived_key(key_id, KEY_PURPOSE)
    if key is None:
        return None
    return hmac.new(key, canonical(data), hashlib.sha256).hexdigest()


def event_data(event) -> dict:
    data = {"format": AUDIT_FORMAT}
    for name in EVENT_FIELDS:
        value = getattr(event, name)
        data[name] = _utc(value) if isinstance(value, datetime) else value
    return data


def event_hash(event) -> str | None:
    """The keyed hash ``event`` must carry (None when its key is not configured)."""
    return _mac(event.key_id, {"kind": "audit_event", **event_data(event)})


def personal_hash(*, key_id: str, event_sequence: int, salt: str, values: dict) -> str | None:
    """Keyed, salted commitment to the personal part of event ``event_sequence``."""
    data = {name: values.get(name) or ("" if name != "details" else {}) for name in PERSONAL_FIELDS}
    if data["ip_address"] == "":
        data["ip_address"] = None
    return _mac(key_id, {"kind": "audit_personal", "sequence": event_sequence, "salt": salt, "values": data})


def personal_values(personal) -> dict:
    return {name: getattr(personal, name) for name in PERSONAL_FIELDS}


def personal_verified(event, personal) -> bool:
    """Whether ``personal`` (not erased) is what ``event`` committed to."""
    if not event.personal_hash or not personal.salt or event.sequence is None:
        return False
    expected = personal_hash(
        key_id=event.key_id, event_sequence=event.sequence, salt=personal.salt, values=personal_values(personal)
    )
    return expected is not None and hmac.compare_digest(expected, event.personal_hash)


def legacy_row_sql(vendor: str) -> str:
    """One text per event written before the chain, rendered by the database (both the migration and
    the verifier use it, so both serialise alike)."""
    if vendor == "postgresql":
        return (
            "concat_ws(chr(31), id::text, coalesce(actor_id::text, ''), actor_label, action, object_type, "
            "object_id, coalesce(organisation_id::text, ''), "
            "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), details::text)"
        )
    return (
        "CAST(id AS TEXT) || char(31) || coalesce(CAST(actor_id AS TEXT), '') || char(31) || actor_label || char(31) "
        "|| action || char(31) || object_type || char(31) || object_id || char(31) "
        "|| coalesce(CAST(organisation_id AS TEXT), '') || char(31) || CAST(created_at AS TEXT) || char(31) "
        "|| CAST(details AS TEXT)"
    )


def legacy_digest(using_connection=None) -> tuple[int, str]:
    """(count, digest) of the events without a sequence: SHA-256 over their rows' SHA-256s in id order.

    PostgreSQL computes it in one statement; elsewhere the rows are hashed here.
    """
    conn = using_connection or connection
    row = legacy_row_sql(conn.vendor)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*), encode(sha256(convert_to(coalesce(string_agg("  # noqa: S608
                f"encode(sha256(convert_to({row}, 'UTF8')), 'hex'), '' ORDER BY id), ''), 'UTF8')), 'hex') "
                "FROM audit_auditevent WHERE sequence IS NULL"
            )
            count, digest = cursor.fetchone()
            return count, digest
        cursor.execute(f"SELECT {row} FROM audit_auditevent WHERE sequence IS NULL ORDER BY id")  # noqa: S608
        total, count = hashlib.sha256(), 0
        for (text,) in cursor.fetchall():
            total.update(hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii"))
            count += 1
        return count, total.hexdigest()
