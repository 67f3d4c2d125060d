"""Keep the organisation profiles and the published rollups (``dashboard.disclosure``) current.

``profiles_rebuild`` computes every organisation's profile from the registration facts, the size X
and published size P of every profile, and the published rollups as the sum over profiles of
P x (what one organisation of the profile adds). ``profiles_apply`` does the same for the
organisations whose facts changed: each moves from its old profile to its new one, so the X of
both changes (the old profile is recomputed from the facts as they were, so nothing is stored
per organisation); where that changes P, the rows the profile touches move by the change of P times
the profile's contribution. Rebuild and incremental give the same rows (tested).

An organisation is counted per category (sector, kind, size class), as the true rollups count it:
facts kept after a registration is gone can carry an older category than the live ones.
"""

from collections import Counter, defaultdict

from django.db import connection

from . import deltas
from .constants import CATEGORY, ROLLUP_KEY
from .disclosure import UPTAKE_MEASURES, contribution, profile_key, random_round, signature
from .models import PublishedUptakeRollup, RegistrationFact, UptakeProfile

UNIT_FIELDS = ("organisation_id", *CATEGORY)
FACT_FIELDS = (*UNIT_FIELDS, "mission_id", "year", "country", "decision")
DOMAIN = "uptake"


def published_size(text: str, organisations: int) -> int:
    return random_round(f"{DOMAIN}|{text}", organisations)


def _units(rows) -> dict[tuple, str]:
    """(organisation, sector, kind, size class) -> profile signature, from fact rows."""
    registrations: dict[tuple, list] = defaultdict(list)
    for organisation, sector, kind, size_class, mission, year, country, decision in rows:
        registrations[(organisation, sector, kind, size_class)].append((mission, year, country, decision))
    return {unit: signature(unit[1:], entries) for unit, entries in registrations.items()}


def _add(sums: dict[tuple, list[int]], text: str, times: int) -> None:
    for key, measures in contribution(text).items():
        target = sums[key]
        for i, value in enumerate(measures):
            target[i] += times * value


def _sums() -> dict[tuple, list[int]]:
    return defaultdict(lambda: [0] * len(UPTAKE_MEASURES))


def profiles_rebuild() -> int:
    """Rebuild the profiles and the published rollups from all facts; returns the number of profiles."""
    facts = RegistrationFact.objects.order_by().values_list(*FACT_FIELDS)
    sizes = Counter(_units(facts.iterator(chunk_size=20000) if connection.vendor == "postgresql" else facts).values())
    keys = {text: profile_key(text) for text in sizes}
    published = {text: published_size(text, x) for text, x in sizes.items()}
    sums = _sums()
    for text, p in published.items():
        if p:
            _add(sums, text, p)
    UptakeProfile.objects.all().delete()
    PublishedUptakeRollup.objects.all().delete()
    UptakeProfile.objects.bulk_create(
        (
            UptakeProfile(key=keys[text], signature=text, organisations=x, published=published[text])
            for text, x in sizes.items()
        ),
        batch_size=5000,
    )
    PublishedUptakeRollup.objects.bulk_create(
        (
            PublishedUptakeRollup(
                **dict(zip(ROLLUP_KEY, key, strict=True)), **dict(zip(UPTAKE_MEASURES, measures, strict=True))
            )
            for key, measures in sums.items()
        ),
        batch_size=5000,
    )
    return len(sizes)


def profiles_apply(before: dict[int, dict], after: dict[int, dict]) -> int:
    """Move the organisations of the changed facts (``before`` / ``after`` the sync, per
    registration, as ``deltas.registration_facts`` gives them) to their current profiles.

    An organisation's old profile is its facts now with the changed ones put back as they were,
    so nothing per organisation needs to be stored. Returns the profiles whose P changed.
    """
    changed_ids = {r for r in set(before) | set(after) if before.get(r) != after.get(r)}
    organisation_ids = {
        fact["organisation_id"] for r in changed_ids for fact in (before.get(r), after.get(r)) if fact is not None
    }
    new_rows, old_rows = [], []
    for chunk in deltas.chunks(organisation_ids):
        for registration, *row in RegistrationFact.objects.filter(organisation_id__in=chunk).values_list(
            "registration_id", *FACT_FIELDS
        ):
            new_rows.append(row)
            if registration not in changed_ids:
                old_rows.append(row)
    old_rows += [tuple(before[r][f] for f in FACT_FIELDS) for r in changed_ids if r in before]
    old_units, new_units = _units(old_rows), _units(new_rows)
    change: Counter = Counter()
    texts = {}
    for unit in set(old_units) | set(new_units):
        old, new = old_units.get(unit), new_units.get(unit)
        if old == new:
            continue
        if old is not None:
            change[profile_key(old)] -= 1
            texts[profile_key(old)] = old
        if new is not None:
            change[profile_key(new)] += 1
            texts[profile_key(new)] = new
    change = Counter({key: d for key, d in change.items() if d})
    existing = {}
    for chunk in deltas.chunks(change):
        existing.update({row.key: row for row in UptakeProfile.objects.filter(key__in=chunk)})
    sums = _sums()
    upserts, deletions, changed = [], [], 0
    for key, d in change.items():
        row = existing.get(key) or UptakeProfile(key=key, signature=texts[key])
        before = row.published
        row.organisations += d
        row.published = published_size(row.signature, row.organisations)
        if row.published != before:
            changed += 1
            _add(sums, row.signature, row.published - before)
        if row.organisations <= 0:
            if row.pk:
                deletions.append(row.pk)
        else:
            upserts.append(row)
    UptakeProfile.objects.filter(pk__in=deletions).delete()
    UptakeProfile.objects.bulk_create(
        [
            UptakeProfile(key=r.key, signature=r.signature, organisations=r.organisations, published=r.published)
            for r in upserts
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["organisations", "published"],
    )
    changes = {key: Counter(dict(zip(UPTAKE_MEASURES, measures, strict=True))) for key, measures in sums.items()}
    deltas.rows_apply(PublishedUptakeRollup, ROLLUP_KEY, changes, total="registrations")
    return changed
