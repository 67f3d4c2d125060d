"""The offline verification bundle: what a third party needs to check receipts without the portal.

One JSON document (format ``imvo-verification-bundle/1``):

- ``public_keys``: the Ed25519 checkpoint public keys by key id (raw key, base64). A verifier
  should compare them with the keys RVO publishes elsewhere (``--public-key`` of the script);
- ``checkpoints``: every signed checkpoint as its signed payload and signature, exactly as in the
  write-once storage copies;
- ``records``: per record only ``sequence``, ``reference``, ``previous_hash`` and ``record_hash``
  (no organisation, no personal data).

``tools/verify_bundle.py`` (only ``cryptography`` and the standard library) checks the signatures
and the links between checkpoints, that the records form one unbroken hash chain that contains each
checkpoint's head, and that a receipt's record hash lies in the chain up to a signed checkpoint.
The record hashes themselves are keyed (HMAC): only the portal, which holds the chain key,
recomputes them (``verify_declarations``).

``export_verification_bundle`` first writes a checkpoint (reason ``bundle``) unless the latest one
covers the head, so every exported record is covered by a signed checkpoint. A newer bundle (or
the register itself: ``verify_declarations --since``) is checked against an older one with
``tools/verify_bundle.py --since``: the same rule (``bundle_extension_problems``) for both.
"""

import json
from collections.abc import Iterator

from django.utils import timezone

from core.canonical import canonical_json

from .checkpoints import checkpoint_payload
from .constants import GENESIS_HASH
from .hashing import utc_text
from .keys import checkpoint_public_keys, public_key_text
from .models import Checkpoint, Declaration

BUNDLE_FORMAT = "imvo-verification-bundle/1"


def _dump(value) -> str:
    return canonical_json(value, compact=False).decode("utf-8")


def verification_bundle_lines() -> Iterator[str]:
    """The bundle as JSON text in pieces, streaming the records (millions stay out of memory)."""
    header = {
        "format": BUNDLE_FORMAT,
        "created_at": utc_text(timezone.now()),
        "genesis_hash": GENESIS_HASH,
        "canonical_json": "json.dumps(payload, sort_keys=True, separators=(',', ':'), ensure_ascii=False), UTF-8",
        "public_keys": {key_id: public_key_text(key) for key_id, key in sorted(checkpoint_public_keys().items())},
        "checkpoints": list(bundle_checkpoints()),
    }
    text = _dump(header)
    yield text[:-1] + ', "records": [\n'
    first = True
    for record in bundle_records():
        yield ("" if first else ",\n") + _dump(record)
        first = False
    yield "\n]}\n"


def bundle_checkpoints() -> Iterator[dict]:
    """Every checkpoint in the table as the bundle holds it: signed payload and signature."""
    for checkpoint in Checkpoint.objects.order_by("number"):
        yield {"payload": checkpoint_payload(checkpoint), "signature": checkpoint.signature}


def bundle_records() -> Iterator[dict]:
    """Every record in sequence order as the bundle holds it (streamed)."""
    rows = Declaration.objects.order_by("sequence").values_list("sequence", "reference", "previous_hash", "record_hash")
    for sequence, reference, previous_hash, record_hash in rows.iterator(chunk_size=5000):
        yield {"sequence": sequence, "reference": reference, "previous_hash": previous_hash, "record_hash": record_hash}


def verification_bundle() -> dict:
    """The whole bundle as a dict (tests and small registers)."""
    return json.loads("".join(verification_bundle_lines()))
