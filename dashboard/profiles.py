"""Keep the organisation profiles and the published rollups (``dashboard.disclosure``) current.

``profiles_rebuild`` computes every organisation's profile from the registration facts, the size X
and published size P of every profile, and the published rollups as the sum over profiles of
P x (what one organisation of the profile adds). ``profiles_apply`` does the same for the
organisations whose facts changed: each moves from its old profile to its new one, so the X of
both changes; where that changes P, the rows the profile touches move by the change of P times
the profile's contribution. Rebuild and incremental give the same rows (tested).

An organisation is counted per category (sector, kind, size class), as the true rollups count it:
facts kept after a registration is gone can carry an older category than the live ones.
"""

from collections import Counter, defaultdict

from django.db import connection

from . import deltas
from .constants import CATEGORY, ROLLUP_KEY
from .disclosure import contribution, profile_key, random_round, signature
from .models import OrganisationProfile, PublishedUptakeRollup, RegistrationFact, UptakeProfile

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


def _add(sums: dict[tuple, Counter], text: str, times: int) -> None:
    for key, measures in contribution(text).items():
        target = sums[key]
        for name, value in measures.items():
            target[name] += times * value


def profiles_rebuild() -> int:
    """Rebuild profiles, organisations' profiles and published rollups from all facts; returns profiles."""
    facts = RegistrationFact.objects.order_by().values_list(*FACT_FIELDS)
    units = _units(facts.iterator(chunk_size=20000) if connection.vendor == "postgresql" else facts)
    sizes = Counter(units.values())
    keys = {text: profile_key(text) for text in sizes}
    published = {text: published_size(text, x) for text, x in sizes.items()}
    sums: dict[tuple, Counter] = defaultdict(Counter)
    for text, p in published.items():
        if p:
            _add(sums, text, p)
    OrganisationProfile.objects.all().delete()
    UptakeProfile.objects.all().delete()
    PublishedUptakeRollup.objects.all().delete()
    UptakeProfile.objects.bulk_create(
        (
            UptakeProfile(key=keys[text], signature=text, organisations=x, published=published[text])
            for text, x in sizes.items()
        ),
        batch_size=5000,
    )
    OrganisationProfile.objects.bulk_create(
        (
            OrganisationProfile(**dict(zip(UNIT_FIELDS, unit, strict=True)), profile_key=keys[text])
            for unit, text in units.items()
        ),
        batch_size=5000,
    )
    PublishedUptakeRollup.objects.bulk_create(
        (
            PublishedUptakeRollup(**dict(zip(ROLLUP_KEY, key, strict=True)), **measures)
            for key, measures in sums.items()
        ),
        batch_size=5000,
    )
    return len(sizes)


def profiles_apply(organisation_ids: set[int]) -> int:
    """Move the given organisations to their current profiles; returns the profiles whose P changed."""
    if not organisation_ids:
        return 0
    new_units, old_units = {}, {}
    for chunk in deltas.chunks(organisation_ids):
        new_units.update(_units(RegistrationFact.objects.filter(organisation_id__in=chunk).values_list(*FACT_FIELDS)))
        for row in OrganisationProfile.objects.filter(organisation_id__in=chunk):
            old_units[tuple(getattr(row, f) for f in UNIT_FIELDS)] = row
    change: Counter = Counter()
    texts = {}
    moved, gone = [], []
    for unit in set(new_units) | set(old_units):
        old, text = old_units.get(unit), new_units.get(unit)
        key = profile_key(text) if text else None
        if old is not None and old.profile_key == key:
            continue
        if old is not None:
            change[old.profile_key] -= 1
            if key is None:
                gone.append(old.pk)
        if key is not None:
            change[key] += 1
            texts[key] = text
            moved.append(OrganisationProfile(**dict(zip(UNIT_FIELDS, unit, strict=True)), profile_key=key))
    OrganisationProfile.objects.filter(pk__in=gone).delete()
    OrganisationProfile.objects.bulk_create(
        moved,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=list(UNIT_FIELDS),
        update_fields=["profile_key"],
    )
    change = Counter({key: d for key, d in change.items() if d})
    existing = {}
    for chunk in deltas.chunks(change):
        existing.update({row.key: row for row in UptakeProfile.objects.filter(key__in=chunk)})
    sums: dict[tuple, Counter] = defaultdict(Counter)
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
    deltas.rows_apply(PublishedUptakeRollup, ROLLUP_KEY, sums, total="registrations")
    return changed
