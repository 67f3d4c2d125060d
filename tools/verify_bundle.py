#!/usr/bin/env python3
"""Verify an IMVO declaration verification bundle offline (needs only ``cryptography``).

The portal exports the bundle with ``python manage.py export_verification_bundle -o bundle.json``.
This script checks, without the portal or its database:

1. every checkpoint's Ed25519 signature, against a public key you trust (``--public-key``, as
   published by RVO; without it the keys in the bundle are used and a warning is printed);
2. that the checkpoints are linked: each names the SHA-256 of the previous checkpoint's payload;
3. that the records form one unbroken chain (sequence 1, 2, 3 ...; each record's
   ``previous_hash`` is the record hash before it) and that every checkpoint's head record,
   record hash and record count are in that chain;
4. with ``--reference`` and/or ``--record-hash`` (both on the receipt): that the receipt's record is
   in the chain and which signed checkpoint covers it;
5. with ``--since OLD_BUNDLE``: that this bundle *extends* the older one (checked on its own
   as well): every checkpoint the old bundle holds is here with the same payload and signature,
   and every record it holds is here, unchanged, at the same place. Otherwise the first
   divergence is named (checkpoint number, record sequence). A register that was truncated,
   re-numbered or rewritten, even by someone holding all keys, no longer extends a bundle
   exported before; keep the bundles you receive.

Exit status 0 when everything verifies, 1 with a list of problems otherwise, 2 on bad input.

    python tools/verify_bundle.py bundle.json --public-key BASE64 \\
        --reference IMVO-2027-000123 --record-hash 3f5a...
    python tools/verify_bundle.py new.json --since old.json --public-key BASE64

Record hashes are keyed (HMAC-SHA-256 with a key only the portal holds), so this script cannot
recompute a record from its fields; it proves that the record hash on a receipt is part of the
chain that a signed checkpoint commits to, which no one without the signing key can rewrite.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import hashlib
import json
import sys
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

BUNDLE_FORMAT = "imvo-verification-bundle/1"
CHECKPOINT_FORMATS = (1, 2)  # 2 also signs the head of the audit trail (audit_sequence, audit_hash)
GENESIS_HASH = "0" * 64


def canonical(data: dict) -> bytes:
    """The byte form the portal signs: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def key_id_of(raw: bytes) -> str:
    return "ed25519-" + hashlib.sha256(raw).hexdigest()[:12]


def load_public_keys(texts: list[str]) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for text in texts:
        raw = base64.b64decode(text.strip(), validate=True)
        keys[key_id_of(raw)] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def verify(bundle: dict, *, trusted: dict[str, Ed25519PublicKey], reference=None, record_hash=None):
    """Return (problems, notes). An empty ``problems`` list means the bundle verifies."""
    problems: list[str] = []
    notes: list[str] = []
    if bundle.get("format") != BUNDLE_FORMAT:
        return [f"not a verification bundle (format {bundle.get('format')!r})"], notes
    genesis = bundle.get("genesis_hash", GENESIS_HASH)

    # 1 and 2: signatures and links of the checkpoints
    previous_digest = genesis
    checkpoints = []
    items = bundle.get("checkpoints", [])
    # Numbered from 0 (the genesis, before any record) or, for registers older than genesis checkpoints, from 1.
    index = 0 if items and items[0].get("payload", {}).get("number") == 0 else 1
    for item in items:
        payload, signature = item.get("payload", {}), item.get("signature", "")
        number = payload.get("number")
        restored = (
            payload.get("reason") == "restore"
            and isinstance(number, int)
            and number > index
            and checkpoints
            and payload.get("previous_hash") == previous_digest
        )
        if restored:  # after a database restore: it links to the checkpoint restored to; the ones between were lost
            notes.append(
                f"checkpoint {number}: the database was restored to checkpoint {index - 1} "
                f"(checkpoint(s) {index}-{number - 1} lost in the restore; verify_declarations names them)"
            )
            index = number
        if payload.get("format") not in CHECKPOINT_FORMATS or number != index:
            problems.append(f"checkpoint {index}: unexpected number or format ({number!r})")
        key = trusted.get(payload.get("signing_key_id"))
        if key is None:
            signer = payload.get("signing_key_id")
            problems.append(f"checkpoint {number}: signed with key {signer!r}, which is not trusted")
        else:
            try:
                key.verify(base64.b64decode(signature, validate=True), canonical(payload))
            except (InvalidSignature, ValueError):
                problems.append(f"checkpoint {number}: the signature does not verify")
        if payload.get("previous_hash") != previous_digest:
            problems.append(f"checkpoint {number}: does not link to the checkpoint before it")
        previous_digest = hashlib.sha256(canonical(payload)).hexdigest()
        checkpoints.append(payload)
        index += 1

    # 3: the records form one chain
    records = bundle.get("records", [])
    by_sequence: dict[int, dict] = {}
    previous_hash = genesis
    for position, record in enumerate(records, start=1):
        sequence = record.get("sequence")
        if sequence != position:
            problems.append(f"record #{sequence}: expected #{position} (a record is missing, added or moved)")
        if record.get("previous_hash") != previous_hash:
            problems.append(f"record #{sequence}: its previous hash is not the record hash before it")
        previous_hash = record.get("record_hash")
        by_sequence[sequence] = record
    sequences = sorted(s for s in by_sequence if isinstance(s, int))
    for payload in checkpoints:
        head = by_sequence.get(payload.get("sequence"))
        if payload.get("sequence") == 0:
            if (payload.get("record_hash"), payload.get("record_count")) != (genesis, 0):
                problems.append(f"checkpoint {payload.get('number')}: a genesis that names records")
        elif head is None:
            problems.append(f"checkpoint {payload.get('number')}: head record #{payload.get('sequence')} is missing")
        elif head.get("record_hash") != payload.get("record_hash"):
            problems.append(f"checkpoint {payload.get('number')}: head record #{head['sequence']} has another hash")
        elif bisect.bisect_right(sequences, payload["sequence"]) != payload.get("record_count"):
            problems.append(f"checkpoint {payload.get('number')}: the number of records does not match")
    if not checkpoints:
        problems.append("no signed checkpoint: a register starts with its genesis checkpoint")
    anchored_to = max((p.get("sequence", 0) for p in checkpoints), default=0)
    if len(records) > anchored_to:
        # The portal writes a checkpoint over the head before it exports a bundle (reason "bundle").
        problems.append(
            f"records #{anchored_to + 1}-#{len(records)} are not covered by a signed checkpoint "
            "(a bundle must end with a checkpoint over its last record)"
        )
    notes.append(
        f"{len(records)} records and {len(checkpoints)} checkpoints; records #1-#{anchored_to} are covered "
        f"by a signed checkpoint"
    )

    # 4: one receipt
    if reference or record_hash:
        matches = [
            r
            for r in records
            if (not reference or r.get("reference") == reference)
            and (not record_hash or r.get("record_hash") == record_hash)
        ]
        if not matches:
            problems.append("the receipt's record is not in the bundle (reference and record hash as given)")
        else:
            record = matches[0]
            covering = next((p for p in checkpoints if p.get("sequence", 0) >= record["sequence"]), None)
            if covering is None:
                problems.append(f"record #{record['sequence']} is not yet covered by a signed checkpoint")
            else:
                notes.append(
                    f"receipt {record.get('reference') or ''} (record #{record['sequence']}) is in the chain "
                    f"covered by signed checkpoint {covering['number']} of {covering['created_at']}"
                )
    return problems, notes


RECORD_FIELDS = ("sequence", "reference", "previous_hash", "record_hash")


def bundle_extension_problems(
    old: dict, checkpoints: Iterable[dict], records: Iterable[dict]
) -> list[tuple[str, object, str]]:
    """The first divergences between an older bundle and a newer register; empty when it extends it.

    Each is ``("checkpoint", number, message)`` or ``("record", sequence, message)``.

    ``checkpoints`` and ``records`` are the newer register's, in the bundle's form (``{"payload",
    "signature"}`` and ``{"sequence", "reference", "previous_hash", "record_hash"}``), in order.
    Names at most the first checkpoint and the first record that diverge. Also used by the portal's
    ``verify_declarations --since`` (one rule for both).
    """
    problems: list[str] = []
    newer = {}
    for item in checkpoints:
        payload = item.get("payload", {})
        newer.setdefault(payload.get("number"), []).append((payload, item.get("signature")))
    for item in old.get("checkpoints", []):
        payload, number = item.get("payload", {}), item.get("payload", {}).get("number")
        found = newer.get(number, [])
        if not found:
            problems.append(
                ("checkpoint", number, f"checkpoint {number} of the older bundle is missing from the newer one")
            )
            break
        if any((p, s) != (payload, item.get("signature")) for p, s in found):
            message = f"checkpoint {number} differs from the older bundle (its payload or signature changed)"
            problems.append(("checkpoint", number, message))
            break
    later = iter(records)
    for position, record in enumerate(old.get("records", []), start=1):
        current = next(later, None)
        expected = {name: record.get(name) for name in RECORD_FIELDS}
        if current is None:
            message = (
                f"record #{record.get('sequence')} of the older bundle is missing from the newer one "
                f"(it ends after {position - 1} records: truncated)"
            )
            problems.append(("record", record.get("sequence"), message))
            break
        if {name: current.get(name) for name in RECORD_FIELDS} != expected:
            message = (
                f"record #{record.get('sequence')} of the older bundle differs in the newer one at position "
                f"{position} (#{current.get('sequence')}: changed, removed, inserted or moved)"
            )
            problems.append(("record", record.get("sequence"), message))
            break
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify an IMVO declaration verification bundle offline.")
    parser.add_argument("bundle", help="the JSON file from export_verification_bundle")
    parser.add_argument(
        "--public-key", action="append", default=[], help="trusted Ed25519 public key (base64); repeatable"
    )
    parser.add_argument("--reference", help="the reference on the receipt, e.g. IMVO-2027-000123")
    parser.add_argument("--record-hash", help="the record hash on the receipt")
    parser.add_argument("--since", metavar="OLD_BUNDLE", help="an older bundle that this one must extend")
    args = parser.parse_args(argv)
    try:
        bundle = _load(args.bundle)
        old = _load(args.since) if args.since else None
        trusted = load_public_keys(args.public_key or list(bundle.get("public_keys", {}).values()))
    except (OSError, ValueError) as exc:
        print(f"cannot read the bundle or a key: {exc}", file=sys.stderr)
        return 2
    if not args.public_key:
        print("warning: using the public keys inside the bundle; pass --public-key with the key RVO publishes")
    problems, notes = verify(bundle, trusted=trusted, reference=args.reference, record_hash=args.record_hash)
    if old is not None:
        old_problems, _old_notes = verify(old, trusted=trusted)
        problems += [f"older bundle: {problem}" for problem in old_problems]
        extension = bundle_extension_problems(old, bundle.get("checkpoints", []), bundle.get("records", []))
        problems += [message for _kind, _at, message in extension]
        if not old_problems and not extension:
            notes.append(
                f"extends the older bundle: its {len(old.get('checkpoints', []))} checkpoints and "
                f"{len(old.get('records', []))} records are unchanged"
            )
    for note in notes:
        print(note)
    if problems:
        print(f"NOT VERIFIED: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"- {problem}", file=sys.stderr)
        return 1
    print("VERIFIED")
    return 0


def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        bundle = json.load(handle)
    if not isinstance(bundle, dict):
        raise ValueError(f"{path} is not a JSON object")
    return bundle


if __name__ == "__main__":
    sys.exit(main())
