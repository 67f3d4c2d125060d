"""How the portal serialises data before hashing or signing it, in exactly one place.

JSON with sorted keys, non-ASCII characters kept as they are, encoded as UTF-8. Two spacings,
both frozen because stored hashes depend on them:

- compact (``","`` and ``":"``): the evidence, i.e. declaration records, personal-data
  commitments, erasure MACs, the audit chain and checkpoints (``declarations.hashing``,
  ``audit.chain``, ``declarations.checkpoints``), and the verification bundle's documented
  ``canonical_json``;
- spaced (Python's default ``", "`` and ``": "``): content fingerprints, i.e. a brochure
  version's content (renditions are made once per hash) and a self-assessment's answers.

Changing either would make every stored hash of its kind differ. ``tools/verify_bundle.py``
keeps its own copy of the compact form on purpose: it runs without the portal.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(data: Any, *, compact: bool = True) -> bytes:
    """``data`` as canonical JSON bytes (see the module docstring for ``compact``)."""
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(data, sort_keys=True, separators=separators, ensure_ascii=False).encode("utf-8")


def canonical_sha256(data: Any, *, compact: bool = True) -> str:
    """Hex SHA-256 of ``canonical_json(data, compact=compact)``."""
    return hashlib.sha256(canonical_json(data, compact=compact)).hexdigest()
