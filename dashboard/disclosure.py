"""Statistical disclosure control of every count the dashboard publishes (page and CSV).

Method: **publish the exact figures of a pseudo data set whose groups of identical organisations
all have a size that is a multiple of the base B** (``DASHBOARD_MIN_CELL``, 5 by default).

- An organisation's *profile* is everything the published figures can tell about it: its sector,
  kind and size class and the list of its registrations as (mission, year, destination, decision
  class). Organisations with the same profile are interchangeable in every figure.
- A profile with X organisations gets P organisations in the pseudo data set: X rounded to a
  multiple of B by **unbiased random rounding** (up with probability (X mod B) / B, so the
  expected P is X). The draw is deterministic and keyed: HMAC-SHA-256 of a server key
  (``DASHBOARD_ROUNDING_KEY``, a key of its own: ``dashboard.keys``), the profile and X, so the
  same data always publishes the same figures and reloading averages nothing away.
- Every published figure is the figure of the pseudo data set: the same formula as the true
  figure, with each profile counted P times instead of X times. Totals, breakdowns, filtered
  views, registrations = endorsed + not endorsed + pending, organisations counted once across
  missions: every relation between figures holds exactly for the published figures.

Why chained differencing recovers nothing: the pseudo data set, fed to the same method, publishes
exactly the same figures (its profile sizes are already multiples of B, so they stay as they are).
Whatever an adversary derives from the published figures, by any chain of subtractions, holds
for the pseudo data set as well as for the real one. A true count between 1 and B - 1 of a
profile is never equal to its pseudo count (a multiple of B), so each small count has at least
two possible values. Every published count is a multiple of B; 0 can stand for a few.

Attendance records are counted, not organisations: the finest cells they are summed from (per
year, mission, category and status) are randomly rounded the same way, which gives the same
property. ``dashboard.profiles`` keeps the profiles and the published rollups up to date.
"""

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings

from declarations.constants import Decision

from .constants import MEASURES, SCOPES
from .keys import rounding_key

# A registration's decision as the figures count it.
ENDORSED, NOT_ENDORSED, PENDING, OTHER = "e", "n", "p", "x"


def base() -> int:
    return settings.DASHBOARD_MIN_CELL


def share_minimum() -> int:
    """Percentages are shown only when the (published) denominator is at least this."""
    return 2 * base()


def _key() -> bytes:
    return rounding_key()


def random_round(label: str, value: int) -> int:
    """``value`` rounded to a multiple of the base, up with probability (value mod B) / B.

    The draw is HMAC-SHA-256 of the key, ``label`` (what is counted) and ``value``: the same count
    of the same thing always rounds the same way; a multiple of the base stays as it is.
    """
    b = base()
    value = int(value)
    remainder = value % b
    if remainder == 0:
        return value
    digest = hmac.new(_key(), f"{label}|{value}".encode(), hashlib.sha256).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return value - remainder + (b if draw < remainder / b else 0)


def decision_class(decision: str) -> str:
    if decision == Decision.ENDORSED:
        return ENDORSED
    if decision in (Decision.NOT_ENDORSED, Decision.WITHDRAWN):
        return NOT_ENDORSED
    if decision == "":
        return PENDING
    return OTHER


def signature(category: tuple[str, str, str], registrations: Iterable[tuple]) -> str:
    """The profile of one organisation: its category and its (mission, year, country, decision)."""
    entries = sorted(f"{m}:{y}:{c}:{decision_class(d)}" for m, y, c, d in registrations)
    return "|".join(category) + "|" + ";".join(entries)


def profile_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# What a registration's scope row is keyed by, per scope: a dimension of the registration or a fixed value.
_SCOPE_PARTS = tuple(
    tuple((name in dimensions, fixed.get(name)) for name in ("year", "country", "mission_id"))
    for dimensions, fixed in SCOPES
)
# The measures of an uptake rollup row, in the order ``contribution`` gives them.
UPTAKE_MEASURES = MEASURES


def contribution(text: str) -> dict[tuple, list[int]]:
    """What one organisation of the profile ``text`` adds to each uptake rollup row
    (``UPTAKE_MEASURES``, in that order).

    The same formula as the true rollups (``services._uptake_rows``): registrations and
    declarations are counted, the organisation once per row it has a registration in.
    """
    sector, kind, size_class, entries = text.split("|", 3)
    groups: dict[tuple, list[str]] = defaultdict(list)
    for entry in entries.split(";") if entries else []:
        mission, year, country, cls = entry.split(":")
        own = (int(year), country, int(mission))
        for parts in _SCOPE_PARTS:
            key = tuple(own[i] if is_dimension else value for i, (is_dimension, value) in enumerate(parts))
            groups[(*key, sector, kind, size_class)].append(cls)
    return {
        key: [
            len(classes),
            1,
            int(ENDORSED in classes),
            classes.count(ENDORSED),
            classes.count(NOT_ENDORSED),
            classes.count(PENDING),
        ]
        for key, classes in groups.items()
    }


def pseudo_sizes(sizes: dict[str, int], *, domain: str) -> dict[str, int]:
    """P for every profile (``domain`` separates what is counted, e.g. "uptake", "instrument")."""
    return {text: random_round(f"{domain}|{text}", x) for text, x in sizes.items()}
