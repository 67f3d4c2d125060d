"""Take changed facts out of the rollups and put their new values in, without recounting.

A fact contributes to one rollup row per scope (``constants.SCOPES``). Sums (registrations,
declarations by decision, attendance by status) move by one. Distinct organisations cannot be
summed, so ``UptakeOrganisation`` keeps, per row above one mission, how many registrations (and
endorsed ones) each organisation has there: the organisation counts while that is above zero.
Within one mission an organisation has at most one registration, so there a registration is an
organisation. A rollup row with no registration left is deleted, as a rebuild would not make it.
"""

from collections import Counter, defaultdict

from declarations.constants import Decision
from missions.models import Attendance, Registration

from .constants import CATEGORY, ROLLUP_KEY, SCOPES
from .disclosure import random_round
from .models import AttendanceFact, AttendanceRollup, RegistrationFact, UptakeOrganisation, UptakeRollup

FACT_FIELDS = ("registration_id", "organisation_id", "mission_id", "year", "country", *CATEGORY, "decision")
ATTENDANCE_FIELDS = ("attendance_id", "mission_id", "year", *CATEGORY, "status")
ATTENDANCE_KEY = ("year", "mission_id", *CATEGORY)
NOT_ENDORSED = (Decision.NOT_ENDORSED, Decision.WITHDRAWN)
CHUNK = 500


def chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def affected_ids(keys: dict[str, set[int]]) -> tuple[set[int], set[int]]:
    """Registrations and attendance records whose facts may have changed, from the outbox keys."""
    registrations = set(keys["r"])
    for field, ids in (("organisation_id", keys["o"]), ("mission_id", keys["m"])):
        for chunk in chunks(ids):
            registrations.update(Registration.objects.filter(**{f"{field}__in": chunk}).values_list("id", flat=True))
    attendance = set(keys["a"])
    # Attendance facts carry the organisation's category and the mission's year.
    for field, ids in (
        ("participant__registration__organisation_id", keys["o"]),
        ("session__mission_id", keys["m"]),
    ):
        for chunk in chunks(ids):
            attendance.update(Attendance.objects.filter(**{f"{field}__in": chunk}).values_list("id", flat=True))
    return registrations, attendance


def registration_facts(ids) -> dict[int, dict]:
    facts = {}
    for chunk in chunks(ids):
        for row in RegistrationFact.objects.filter(registration_id__in=chunk).values(*FACT_FIELDS):
            facts[row["registration_id"]] = row
    return facts


def attendance_facts(ids) -> dict[int, dict]:
    facts = {}
    for chunk in chunks(ids):
        for row in AttendanceFact.objects.filter(attendance_id__in=chunk).values(*ATTENDANCE_FIELDS):
            facts[row["attendance_id"]] = row
    return facts


def _scope_keys(fact: dict):
    """(is the mission scope, rollup key) of every row the fact counts in."""
    for dimensions, fixed in SCOPES:
        values = {**{d: fact[d] for d in dimensions}, **fixed, **{c: fact[c] for c in CATEGORY}}
        yield "mission_id" in dimensions, tuple(values[k] for k in ROLLUP_KEY)


def uptake_apply(before: dict[int, dict], after: dict[int, dict]) -> int:
    """Move the uptake rollups from the ``before`` facts to the ``after`` facts; returns rows touched."""
    sums: dict[tuple, Counter] = defaultdict(Counter)
    per_organisation: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for registration_id in set(before) | set(after):
        old, new = before.get(registration_id), after.get(registration_id)
        if old == new:
            continue
        for fact, sign in ((old, -1), (new, 1)):
            if fact is None:
                continue
            endorsed = fact["decision"] == Decision.ENDORSED
            for mission_scope, key in _scope_keys(fact):
                measures = sums[key]
                measures["registrations"] += sign
                measures["declarations_endorsed"] += sign * endorsed
                measures["declarations_not_endorsed"] += sign * (fact["decision"] in NOT_ENDORSED)
                measures["declarations_pending"] += sign * (fact["decision"] == "")
                if mission_scope:
                    measures["organisations"] += sign
                    measures["organisations_endorsed"] += sign * endorsed
                else:
                    counts = per_organisation[(fact["organisation_id"], key)]
                    counts[0] += sign
                    counts[1] += sign * endorsed
    _organisations_apply(per_organisation, sums)
    rows_apply(UptakeRollup, ROLLUP_KEY, sums, total="registrations")
    return len(sums)


def _organisations_apply(per_organisation: dict[tuple, list[int]], sums: dict[tuple, Counter]) -> None:
    changed = {pair: d for pair, d in per_organisation.items() if d != [0, 0]}
    existing = {}
    for chunk in chunks({organisation for organisation, _key in changed}):
        for row in UptakeOrganisation.objects.filter(organisation_id__in=chunk):
            existing[(row.organisation_id, tuple(getattr(row, k) for k in ROLLUP_KEY))] = row
    upserts, deletions = [], []
    for (organisation, key), (d_registrations, d_endorsed) in changed.items():
        row = existing.get((organisation, key))
        old = (row.registrations, row.endorsed) if row else (0, 0)
        new = (old[0] + d_registrations, old[1] + d_endorsed)
        sums[key]["organisations"] += (new[0] > 0) - (old[0] > 0)
        sums[key]["organisations_endorsed"] += (new[1] > 0) - (old[1] > 0)
        if new[0] <= 0:
            if row:
                deletions.append(row.pk)
        else:
            upserts.append(
                UptakeOrganisation(
                    **dict(zip(ROLLUP_KEY, key, strict=True)),
                    organisation_id=organisation,
                    registrations=new[0],
                    endorsed=new[1],
                )
            )
    UptakeOrganisation.objects.filter(pk__in=deletions).delete()
    UptakeOrganisation.objects.bulk_create(
        upserts,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["organisation_id", *ROLLUP_KEY],
        update_fields=["registrations", "endorsed"],
    )


def rows_apply(model, key_fields: tuple, sums: dict[tuple, Counter], *, total: str | tuple, finish=None) -> None:
    """Add ``sums`` to the rollup rows of ``model`` (creating them), deleting rows left empty.

    ``finish(row)``, when given, sets what follows from the new figures (published copies).
    """
    sums = {key: measures for key, measures in sums.items() if any(measures.values())}
    if not sums:
        return
    existing = {}
    # The rows of the affected scopes: few distinct first dimensions, then matched in Python on
    # plain tuples (most rows read are not among the changed ones: no model instance for those).
    first = key_fields[0]
    columns = [*key_fields, *(f.attname for f in model._meta.concrete_fields if f.attname not in key_fields)]
    width = len(key_fields)
    for chunk in chunks({key[0] for key in sums}):
        for values in model.objects.filter(**{f"{first}__in": chunk}).values_list(*columns):
            key = values[:width]
            if key in sums:
                existing[key] = model(**dict(zip(columns, values, strict=True)))
    measures_all = sorted({name for measures in sums.values() for name in measures})
    totals = (total,) if isinstance(total, str) else total
    upserts, deletions = [], []
    for key, measures in sums.items():
        row = existing.get(key) or model(**dict(zip(key_fields, key, strict=True)))
        for name, delta in measures.items():
            setattr(row, name, getattr(row, name) + delta)
        if sum(getattr(row, name) for name in totals) <= 0:
            if row.pk:
                deletions.append(row.pk)
        else:
            if finish is not None:
                finish(row)
            upserts.append(row)
    model.objects.filter(pk__in=deletions).delete()
    fields = [f.name for f in model._meta.concrete_fields if f.name not in ("id", *key_fields)]
    model.objects.bulk_create(
        [model(**{f: getattr(row, f) for f in (*key_fields, *fields)}) for row in upserts],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=list(key_fields),
        update_fields=fields or measures_all,
    )


ATTENDANCE_STATUSES = ("invited", "attended", "absent", "excused")


def attendance_publish(row: AttendanceRollup) -> None:
    """Set the published copies of one attendance row: each count randomly rounded to the base.

    These are the finest cells every attendance figure is summed from, so all published sums are
    the sums of one pseudo data set (``disclosure``).
    """
    key = "|".join(str(getattr(row, k)) for k in ATTENDANCE_KEY)
    for status in ATTENDANCE_STATUSES:
        setattr(row, f"{status}_shown", random_round(f"attendance|{key}|{status}", getattr(row, status)))


def attendance_apply(before: dict[int, dict], after: dict[int, dict]) -> int:
    sums: dict[tuple, Counter] = defaultdict(Counter)
    for attendance_id in set(before) | set(after):
        old, new = before.get(attendance_id), after.get(attendance_id)
        if old == new:
            continue
        for fact, sign in ((old, -1), (new, 1)):
            if fact is not None:
                sums[tuple(fact[k] for k in ATTENDANCE_KEY)][fact["status"]] += sign
    rows_apply(AttendanceRollup, ATTENDANCE_KEY, sums, total=ATTENDANCE_STATUSES, finish=attendance_publish)
    return len(sums)
