"""Secondary suppression of the earlier method (keyed rounding of a pseudo data set, ``disclosure``):
no count below the base can be recovered by chained differencing within one publication.

The ministry now sees releases (``release_method``; within-release relations: test_releases.py,
across releases: test_release_privacy.py); this method stays as the attendance rounding and as the
control of the attack across releases, so its within-release property is still tested here.

Hypothesis generates organisations (sector, kind, size) that register for some of three missions
(two years, two destinations) with a decision each. The test computes the report of EVERY filter
combination the dashboard and its CSV offer (year x mission x sector x kind x size, each also "all"),
reads every published figure (headline, target, every row of every breakdown, percentages, rows
left out), and attacks them as a well-informed adversary would:

- every published count is the exact count of the pseudo data set (``dashboard.disclosure``); the
  true count differs from it by at most (B - 1) x m, where m is what one organisation of each
  profile in the cell adds to it. The adversary is even TOLD m (more than the page says);
- every relation between true counts is used: a total is the sum of its rows in every breakdown, a
  filtered view is a part of the unfiltered one, all breakdowns share the same total,
  registrations = endorsed + not endorsed + pending, organisations counted once per selection are
  at most the sum over missions and years and at least each of them, and so on; the adversary is
  also told which categories are empty in the whole data set;
- the narrowing is CHAINED: every relation narrows the ranges of its figures, again and again,
  until nothing changes (a fixed point), so e.g. five rows "0..4" under a total of 20 give 4 each.

Every true count between 1 and B - 1 must still have at least two possible values. The same
chained attack on the same figures published the old way (each figure banded on its own, "< 5",
"5-9", ...) recovers small counts exactly, and so does it on exact counts with only 1..4 hidden,
which shows the attack is strong enough to notice a leak.
"""

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dashboard.disclosure import base, random_round, share_minimum
from dashboard.models import RegistrationFact, UptakeProfile
from dashboard.selectors import Filters, dashboard_report, missions_known
from dashboard.services import rollups_from_facts, rollups_refresh
from declarations.constants import Decision
from organisations.constants import SizeClass
from tests.factories import MinistryUserFactory, OrganisationFactory
from tests.mfa import login_staff

from .helpers import make_mission, register

pytestmark = pytest.mark.django_db

MEASURES = ("registrations", "organisations", "organisations_endorsed", "endorsed", "not_endorsed", "pending")
COLUMN_MEASURES = ("organisations", "large", "registrations", "endorsed", "not_endorsed", "pending")
SECTORS = ("A", "C")
KINDS = ("company", "knowledge_institution")
SIZES = (SizeClass.LARGE.value, SizeClass.SME.value)
# Mission index -> (year, country)
MISSIONS = ((2024, "JP"), (2024, "IN"), (2025, "JP"))
DECISIONS = (Decision.ENDORSED, Decision.NOT_ENDORSED, None)
INFINITY = 10**6


class Rollback(Exception):
    pass


@dataclass(frozen=True)
class Org:
    sector: str
    kind: str
    large: bool
    # mission index -> decision (None: pending)
    registrations: tuple[tuple[int, str | None], ...]


ORGS = st.lists(
    st.builds(
        Org,
        sector=st.sampled_from(SECTORS),
        kind=st.sampled_from(KINDS),
        large=st.booleans(),
        registrations=st.dictionaries(
            st.integers(0, len(MISSIONS) - 1), st.sampled_from(DECISIONS), min_size=1, max_size=3
        ).map(lambda d: tuple(sorted(d.items()))),
    ),
    min_size=1,
    max_size=16,
)


class Space:
    """Names of the true counts: (dimensions, measure), dimensions a sorted tuple of (name, value)."""

    def __init__(self, missions: dict[int, tuple[int, str]]):
        self.missions = missions  # mission id -> (year, country)

    def key(self, dims: dict) -> tuple | None:
        """The canonical name of a selection, or None when it is empty by construction."""
        dims = {k: v for k, v in dims.items() if v is not None}
        if "mission" in dims:
            year, country = self.missions[dims["mission"]]
            if dims.pop("year", year) != year or dims.pop("country", country) != country:
                return None
        return tuple(sorted(dims.items()))

    def domain(self, dimension: str, dims: dict) -> list:
        if dimension == "year":
            return sorted({y for y, _c in self.missions.values()})
        if dimension == "country":
            return sorted({c for _y, c in self.missions.values()})
        if dimension == "mission":
            return sorted(self.missions)
        return list({"sector": SECTORS, "kind": KINDS, "size": SIZES}[dimension])

    def all_keys(self) -> set[tuple]:
        keys = set()
        choices = {d: [None, *self.domain(d, {})] for d in ("year", "mission", "country", "sector", "kind", "size")}
        for combo in itertools.product(*choices.values()):
            key = self.key(dict(zip(choices, combo, strict=True)))
            if key is not None:
                keys.add(key)
        return keys


def true_counts(space: Space, facts: list[dict]) -> dict:
    """Every count computed straight from the generated data (not from the dashboard's code)."""
    truth = {}
    for key in space.all_keys():
        dims = dict(key)
        rows = [f for f in facts if all(f[d] == v for d, v in dims.items())]
        orgs = {f["org"] for f in rows}
        truth[key, "registrations"] = len(rows)
        truth[key, "organisations"] = len(orgs)
        truth[key, "organisations_endorsed"] = len({f["org"] for f in rows if f["decision"] == Decision.ENDORSED})
        truth[key, "endorsed"] = sum(f["decision"] == Decision.ENDORSED for f in rows)
        truth[key, "not_endorsed"] = sum(f["decision"] == Decision.NOT_ENDORSED for f in rows)
        truth[key, "pending"] = sum(f["decision"] is None for f in rows)
    return truth


def _count(cell) -> int:
    """The count a cell publishes, read from its text (what the page and the CSV show)."""
    value = int(cell.text.replace(".", "").replace(",", ""))
    assert cell.text == number_format(value, force_grouping=True) and value == cell.value
    assert value % base() == 0, cell.text  # every published count is a multiple of the base
    return value


def published(space: Space, report, filters: dict) -> list[tuple[tuple, str, int]]:
    """(key, measure, published count) for every figure of one report, percentages included."""
    facts = []

    def add(dims: dict, measure: str, cell) -> None:
        value = _count(cell)
        if measure == "large":
            if dims.get("size") not in (None, SizeClass.LARGE):
                return  # zero by construction
            dims, measure = {**dims, "size": SizeClass.LARGE.value}, "organisations"
        key = space.key(dims)
        if key is not None:
            facts.append((key, measure, value))

    def add_share(dims: dict, share, denominator) -> None:
        key = space.key(dims)
        bottom = _count(denominator)
        if key is None:
            return
        if share.value is None:
            assert bottom < share_minimum()
            return
        # The numerator is a published count too: the multiples of the base that give this share.
        candidates = [n for n in range(0, bottom + 1, base()) if round(100 * n / bottom, 1) == share.value]
        if len(candidates) == 1:
            facts.append((key, "organisations_endorsed", candidates[0]))

    headline = {i: cell for i, (_label, cell, _help) in enumerate(report.headline)}
    for index, measure in ((1, "registrations"), (2, "organisations"), (3, "endorsed"), (4, "not_endorsed")):
        add(filters, measure, headline[index])
    add(filters, "pending", headline[5])
    large = {**filters, "size": SizeClass.LARGE.value} if filters.get("size") in (None, SizeClass.LARGE) else None
    if large:
        add(filters, "large", report.target["large"])
        add(large, "organisations_endorsed", report.target["large_endorsed"])
        add_share(large, report.target["share"], report.target["large"])
    add_share(filters, headline[7], headline[2])

    dimension_of = {"year": "year", "mission": "mission", "country": "country", "sector": "sector", "kind": "kind"}
    dimension_of["size_class"] = "size"
    for section in report.sections:
        dimension = dimension_of[section.key]
        shown = set()
        for value, (_label, cells) in zip(section.values, section.rows, strict=True):
            dims = {**filters, dimension: value}
            assert filters.get(dimension, value) == value
            if space.key(dims) is None:
                continue
            shown.add(value)
            for measure, cell in zip(COLUMN_MEASURES, cells, strict=False):
                add(dims, measure, cell)
            add_share(dims, cells[6], cells[0])
            if dims.get("size") in (None, SizeClass.LARGE):
                add_share({**dims, "size": SizeClass.LARGE.value}, cells[7], cells[1])
        # A row left out: all its published counts are 0.
        values = [filters[dimension]] if dimension in filters else space.domain(dimension, filters)
        for value in values:
            dims = {**filters, dimension: value}
            if value not in shown and space.key(dims) is not None:
                for measure in ("registrations", "organisations", "endorsed", "not_endorsed", "pending"):
                    facts.append((space.key(dims), measure, 0))
    return facts


def relations(space: Space) -> list[tuple]:
    """Every relation between true counts that an adversary knows."""
    found = []
    keys = space.all_keys()
    for key in keys:
        dims = dict(key)
        for dimension in ("year", "mission", "country", "sector", "kind", "size"):
            if dimension in dims or (dimension in ("year", "country") and "mission" in dims):
                continue
            parts = [space.key({**dims, dimension: v}) for v in space.domain(dimension, dims)]
            parts = [p for p in parts if p is not None]
            for measure in MEASURES:
                counts_organisations = measure in ("organisations", "organisations_endorsed")
                # An organisation can register for missions of both years and destinations.
                kind = "sub" if counts_organisations and dimension in ("year", "mission", "country") else "sum"
                found.append((kind, (key, measure), [(p, measure) for p in parts]))
        found.append(("sum", (key, "registrations"), [(key, m) for m in ("endorsed", "not_endorsed", "pending")]))
        found.append(("le", (key, "organisations_endorsed"), (key, "organisations")))
        found.append(("le", (key, "organisations"), (key, "registrations")))
        found.append(("le", (key, "organisations_endorsed"), (key, "endorsed")))
        if "mission" in dims:  # one registration per organisation per mission
            found.append(("sum", (key, "organisations"), [(key, "registrations")]))
            found.append(("sum", (key, "organisations_endorsed"), [(key, "endorsed")]))
    return found


def chained_attack(rules: list[tuple], start: dict) -> tuple[dict, int]:
    """Narrow every range with every relation, again and again, until nothing changes.

    Returns the final ranges and the number of rounds over all relations.
    """
    ranges = defaultdict(lambda: [0, INFINITY])
    for name, (low, high) in start.items():
        ranges[name] = [low, high]

    def narrow(name, low, high) -> bool:
        r = ranges[name]
        changed = False
        if low > r[0]:
            r[0], changed = low, True
        if high < r[1]:
            r[1], changed = high, True
        assert r[0] <= r[1], (name, r)  # the attack is sound: the truth is always inside
        return changed

    rounds, changed = 0, True
    while changed:
        changed, rounds = False, rounds + 1
        for kind, parent, children in rules:
            if kind == "le":
                a, b = ranges[parent], ranges[children]
                changed |= narrow(parent, a[0], b[1])
                changed |= narrow(children, a[0], b[1])
                continue
            p = ranges[parent]
            lows = sum(ranges[c][0] for c in children)
            highs = sum(ranges[c][1] for c in children)
            if kind == "sum":  # parent = sum(children)
                changed |= narrow(parent, lows, highs)
                for c in children:
                    r = ranges[c]
                    changed |= narrow(c, p[0] - (highs - r[1]), p[1] - (lows - r[0]))
            else:  # "sub": each child <= parent <= sum(children)
                changed |= narrow(parent, max((ranges[c][0] for c in children), default=0), highs)
                for c in children:
                    r = ranges[c]
                    changed |= narrow(c, p[0] - (highs - r[1]), p[1])
    return ranges, rounds


def build(orgs: list[Org]) -> tuple[Space, list[dict]]:
    missions = [make_mission(year=year, country=country) for year, country in MISSIONS]
    facts = []
    for i, org in enumerate(orgs):
        organisation = OrganisationFactory(sector=org.sector, kind=org.kind, large=org.large)
        for index, decision in org.registrations:
            register(missions[index], organisation, decision=decision)
            year, country = MISSIONS[index]
            facts.append(
                {
                    "org": i,
                    "mission": missions[index].pk,
                    "year": year,
                    "country": country,
                    "sector": organisation.sector,
                    "kind": organisation.kind,
                    "size": organisation.size_class,
                    "decision": decision,
                }
            )
    rollups_refresh()
    return Space({m.pk: (y, c) for m, (y, c) in zip(missions, MISSIONS, strict=True)}), facts


def every_report(space: Space) -> list:
    known = missions_known()
    figures = []
    choices = {
        "year": [None, 2024, 2025],
        "mission": [None, *sorted(space.missions)],
        "sector": [None, *SECTORS],
        "kind": [None, *KINDS],
        "size": [None, *SIZES],
    }
    for combo in itertools.product(*choices.values()):
        filters = dict(zip(choices, combo, strict=True))
        report = dashboard_report(
            filters=Filters(
                year=filters["year"],
                mission=filters["mission"],
                sector=filters["sector"],
                kind=filters["kind"],
                size_class=filters["size"],
            ),
            missions=known,
            language="nl",
        )
        figures += published(space, report, {k: v for k, v in filters.items() if v is not None})
    return figures


def profile_mass(space: Space, orgs: list[Org], facts: list[dict]) -> Counter:
    """m per true count: what one organisation of each profile in it adds (summed over profiles)."""
    mass: Counter = Counter()
    for org in set(orgs):
        index = orgs.index(org)
        for name, value in true_counts(space, [f for f in facts if f["org"] == index]).items():
            mass[name] += value
    return mass


def banded(value: int) -> tuple[int, int]:
    """The old method: every figure banded on its own ("< 5" = 0..4, "5–9", ...)."""
    b = base()
    return (0, b - 1) if value < b else (b * (value // b), b * (value // b) + b - 1)


def _known_zero(space: Space, truth: dict) -> set:
    known_zero = set()
    for dimension in ("sector", "kind", "size"):
        for value in space.domain(dimension, {}):
            if truth[space.key({dimension: value}), "registrations"] == 0:
                known_zero |= {(k, m) for (k, m) in truth if dict(k).get(dimension) == value}
    return known_zero


def _pinned(truth: dict, ranges: dict) -> list:
    pinned = []
    for name, value in truth.items():
        low, high = ranges[name]
        assert low <= value <= high, (name, value, low, high)  # the attack itself is sound
        if 0 < value < base() and low == high:
            pinned.append((name, value))
    return pinned


def attacks(orgs: list[Org]) -> dict:
    """Build the data, publish every view, attack the published figures and the old bands."""
    space, facts = build(orgs)
    truth = true_counts(space, facts)
    figures = every_report(space)
    mass = profile_mass(space, orgs, facts)
    b = base()
    start: dict = {}
    for key, measure, value in figures:
        spread = (b - 1) * mass[key, measure]
        low, high = start.get((key, measure), (0, INFINITY))
        start[key, measure] = (max(low, value - spread, 0), min(high, value + spread))
    known_zero = _known_zero(space, truth)
    for name in known_zero:
        start[name] = (0, 0)
    rules = relations(space)
    ranges, rounds = chained_attack(rules, start)
    # The control: the same figures, each banded on its own as before, under the same attack.
    old = {(key, measure): banded(truth[key, measure]) for key, measure, _value in figures}
    old.update(dict.fromkeys(known_zero, (0, 0)))
    old_ranges, old_rounds = chained_attack(rules, old)
    return {
        "examples": 1,
        "published figures": len(figures),
        "relations": len(rules),
        "rounds to fixed point": rounds,
        "small counts attacked": sum(0 < v < b for v in truth.values()),
        "small counts recovered": len(_pinned(truth, ranges)),
        "control (old bands): rounds": old_rounds,
        "control (old bands): small counts recovered": len(_pinned(truth, old_ranges)),
    }


# Derandomised: the same examples on every run, so the figures below (and the control) are stable.
HYPOTHESIS = hypothesis_settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_chained_differencing_across_every_breakdown_and_filter_recovers_no_small_count():
    stats: Counter = Counter()

    @HYPOTHESIS
    @given(orgs=ORGS)
    def example(orgs):
        try:
            with transaction.atomic():
                found = attacks(orgs)
                stats.update(found)
                assert found["small counts recovered"] == 0, found
                raise Rollback
        except Rollback:
            pass

    example()
    print(f"[disclosure] {dict(stats)}")
    assert stats["small counts attacked"] > 0 and stats["small counts recovered"] == 0
    # The attack is strong: on the same figures banded one by one it pins small counts down.
    assert stats["control (old bands): small counts recovered"] > 0


def test_the_chained_attack_pins_down_small_counts_of_independent_bands():
    """Five rows "< 5" under a total of 20–24: chained, each row is exactly 4 (the old method's leak)."""
    rows = [(("row", i), "n") for i in range(5)]
    total = (("total",), "n")
    start = {name: banded(4) for name in rows}
    start[total] = banded(20)
    ranges, _rounds = chained_attack([("sum", total, rows)], start)
    assert all(ranges[name] == [4, 4] for name in rows)


def test_the_attack_recovers_small_counts_from_exact_figures():
    """With exact counts (only 1..4 hidden) the same attack finds the single "not endorsed"."""
    orgs = [Org("C", "company", False, ((0, Decision.ENDORSED),)) for _ in range(5)]
    orgs.append(Org("C", "company", False, ((0, Decision.NOT_ENDORSED),)))
    space, facts = build(orgs)
    truth = true_counts(space, facts)
    start = {name: ((1, base() - 1) if 0 < value < base() else (value, value)) for name, value in truth.items()}
    ranges, _rounds = chained_attack(relations(space), start)
    assert ((space.key({}), "not_endorsed"), 1) in _pinned(truth, ranges)


def _texts(report) -> list:
    """Everything a report shows, as text (the page and the CSV show these)."""
    return [
        [(str(label), cell.text) for label, cell, _help in report.headline],
        [report.target[k].text for k in ("share", "large", "large_endorsed")] + [report.target["few_large"]],
        [(s.key, [(label, [c.text for c in cells]) for label, cells in s.rows]) for s in report.sections],
    ]


def _every_text(space: Space) -> dict:
    known = missions_known()
    found = {}
    choices = [[None, 2024, 2025], [None, *sorted(space.missions)], [None, *SECTORS], [None, *KINDS], [None, *SIZES]]
    with translation.override("nl"):  # the labels are lazy: read them in the report's language
        for year, mission, sector, kind, size in itertools.product(*choices):
            filters = Filters(year=year, mission=mission, sector=sector, kind=kind, size_class=size)
            found[year, mission, sector, kind, size] = _texts(
                dashboard_report(filters=filters, missions=known, language="nl")
            )
    return found


def _pseudo_facts_replace() -> int:
    """Replace the facts by the pseudo data set: P organisations of every profile; returns them."""
    decisions = {"e": Decision.ENDORSED, "n": Decision.NOT_ENDORSED, "p": ""}
    now = datetime.now(tz=UTC)
    rows, organisation = [], 10**9
    for profile in UptakeProfile.objects.all():
        sector, kind, size_class, entries = profile.signature.split("|", 3)
        for _copy in range(profile.published):
            organisation += 1
            for entry in entries.split(";"):
                mission, year, country, cls = entry.split(":")
                rows.append(
                    RegistrationFact(
                        registration_id=10**9 + len(rows),
                        mission_id=int(mission),
                        organisation_id=organisation,
                        year=int(year),
                        country=country,
                        sector=sector,
                        kind=kind,
                        size_class=size_class,
                        status="confirmed",
                        decision=decisions[cls],
                        first_seen_at=now,
                        updated_at=now,
                    )
                )
    RegistrationFact.objects.all().delete()
    RegistrationFact.objects.bulk_create(rows)
    rollups_from_facts()
    return organisation - 10**9


def test_the_pseudo_data_set_publishes_exactly_the_same_page_and_csv(client):
    """Why nothing can be recovered: the pseudo data set, as real data, is indistinguishable."""
    login_staff(client, MinistryUserFactory())
    compared: Counter = Counter()

    @hypothesis_settings(HYPOTHESIS, max_examples=4)
    @given(orgs=ORGS)
    def example(orgs):
        try:
            with transaction.atomic():
                space, _facts = build(orgs)
                real = _every_text(space)
                first = sorted(space.missions)[0]
                selections = [{}, {"year": "2024"}, {"mission": str(first)}, {"sector": "C", "size": "large"}]
                real_csv = [client.get(reverse("dashboard:export"), s).content for s in selections]
                organisations = _pseudo_facts_replace()
                assert all(p.organisations == p.published for p in UptakeProfile.objects.all())
                assert organisations % base() == 0 or organisations == 0
                assert _every_text(space) == real
                assert [client.get(reverse("dashboard:export"), s).content for s in selections] == real_csv
                compared["examples"] += 1
                compared["reports"] += len(real)
                raise Rollback
        except Rollback:
            pass

    example()
    print(f"[pseudo data set] {dict(compared)}")
    assert compared["examples"] > 0


def test_rounding_is_a_multiple_of_the_base_and_leaves_multiples_alone(settings):
    settings.DASHBOARD_MIN_CELL = 5
    for value in range(0, 200):
        rounded = random_round(f"profile {value}", value)
        assert rounded % 5 == 0 and abs(rounded - value) < 5
        assert rounded == value or value % 5
