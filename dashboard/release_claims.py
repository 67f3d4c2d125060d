"""Release numbers and privacy budget that outlive a restore of the database.

Every release is claimed in the write-once evidence storage (``dashboard-releases/release-NNNNNN.json``:
number, period, publication time and rho; no figures) before its transaction commits. A restore
from a backup makes the database forget the releases published since the backup; the claims keep
them, because those releases were public:

* the next release takes a number above the highest ever claimed, so an open-data URL
  (``/open-data/releases/<n>.json``) that a harvester has read never changes its content;
* the budget spent (``release_budget_spent``) counts the forgotten releases too: their noise is
  out in the world, and what they reveal adds up with what follows.

A claim whose transaction then failed only skips a number and counts a budget that was not spent
(erring on the side of privacy). Claims are never overwritten.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils.dateparse import parse_datetime

logger = logging.getLogger(__name__)

RELEASE_CLAIMS_PREFIX = "dashboard-releases"
_CLAIM_NAME = re.compile(r"^release-(\d{6,})\.json$")


def _claim_name(number: int) -> str:
    return f"{RELEASE_CLAIMS_PREFIX}/release-{number:06d}.json"


def _claim_files() -> list[str]:
    try:
        _folders, files = storages["evidence"].listdir(RELEASE_CLAIMS_PREFIX)
    except FileNotFoundError:
        return []
    return [name for name in files if _CLAIM_NAME.match(name)]


def release_claim(*, number: int, period: str, published_at: datetime, rho: float) -> bool:
    """Claim ``number`` for a release about to be published; False when it was claimed before."""
    storage = storages["evidence"]
    name = _claim_name(number)
    if storage.exists(name):
        return False
    document = {"number": number, "period": period, "published_at": published_at.isoformat(), "rho": rho}
    storage.save(name, ContentFile(json.dumps(document, sort_keys=True).encode()))
    return True


def release_claimed(number: int) -> bool:
    """Whether release ``number`` was ever published (claimed), stored now or not."""
    return number > 0 and storages["evidence"].exists(_claim_name(number))


def release_number_highest_claimed() -> int:
    """The highest release number ever claimed (0 when none), from the file names alone."""
    return max((int(_CLAIM_NAME.match(name).group(1)) for name in _claim_files()), default=0)


def release_claims_not_in(numbers: set[int]) -> list[dict]:
    """The claims of releases the database does not hold (forgotten in a restore), oldest first.

    Each is ``{"number", "period", "published_at" (datetime), "rho"}``; a claim that cannot be read
    is logged and counted with the largest rho of the others (never silently as nothing).
    """
    storage = storages["evidence"]
    found, unreadable = [], []
    for name in sorted(_claim_files()):
        number = int(_CLAIM_NAME.match(name).group(1))
        if number in numbers:
            continue
        try:
            with storage.open(f"{RELEASE_CLAIMS_PREFIX}/{name}") as handle:
                claim = json.loads(handle.read())
            claim["published_at"] = parse_datetime(claim["published_at"])
            claim["rho"] = float(claim["rho"])
            if claim["published_at"] is None or claim["number"] != number:
                raise ValueError("claim does not match its name")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.error("Release claim %s cannot be read (%s); counted with the largest rho", name, exc)
            unreadable.append(number)
            continue
        found.append(claim)
    if unreadable:
        worst = max((claim["rho"] for claim in found), default=0.0)
        found += [{"number": n, "period": "", "published_at": None, "rho": worst} for n in unreadable]
    return sorted(found, key=lambda claim: claim["number"])
