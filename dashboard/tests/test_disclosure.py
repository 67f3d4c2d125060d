"""Secondary suppression: no count below the base can be recovered by differencing.

Hypothesis generates organisations (sector, kind, size) that register for some of three missions
(two years, two destinations) with a decision each. The test computes the report of EVERY filter
combination the dashboard and its CSV offer (year x mission x sector x kind x size, each also "all"),
reads every published figure (headline, target, every row of every breakdown, percentages), and
then attacks them as a well-informed adversary would:

- every published text becomes the range of true values it stands for;
- every additive relation between figures is used: a total is the sum of its rows in every
  breakdown (the total minus the shown cells), a filtered view is a part of the unfiltered one
  (filtered minus unfiltered), all breakdowns share the same total (breakdown A against B),
  registrations = endorsed + not endorsed + pending, organisations counted once per selection are
  at most the sum over missions and years and at least each of them, and so on;
- the adversary is even told which categories are empty in the whole data set;
- each relation narrows the ranges of the figures in it (one differencing step each).

Every true count between 1 and base - 1 must still have at least two possible values. The same
attack recovers exact small counts from the old method (exact counts, only 1..4 hidden), which
shows the attack is strong enough to notice a leak.
"""

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dashboard import selectors
from dashboard.disclosure import base, midpoint, published_interval, rounded
from dashboard.selectors import Filters, dashboard_report, missions_known
from dashboard.services import rollups_refresh
from declarations.constants import Decision
from organisations.constants import SizeClass
from tests.factories import OrganisationFactory

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


def published(space: Space, report, filters: dict) -> list[tuple[tuple, str, tuple[int, int]]]:
    """(key, measure, range of true values) for every figure of one report."""
    facts = []
    b = base()

    def add(dims: dict, measure: str, cell) -> None:
        if measure == "large":
            if dims.get("size") not in (None, SizeClass.LARGE):
                return  # zero by construction
            dims, measure = {**dims, "size": SizeClass.LARGE.value}, "organisations"
        key = space.key(dims)
        if key is not None:
            facts.append((key, measure, published_interval(cell.value)))

    def add_share(dims: dict, share, denominator) -> None:
        key = space.key(dims)
        if key is None or denominator.value is None:
            return
        if share.value is None:
            facts.append((key, "organisations_endorsed", (0, b - 1)))
            return
        middle = share.value * midpoint(denominator.value) / 100
        numerator = b * round((middle - (b - 1) / 2) / b)
        facts.append((key, "organisations_endorsed", published_interval(numerator)))

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
        # A row left out: all its counts are below the base.
        values = [filters[dimension]] if dimension in filters else space.domain(dimension, filters)
        for value in values:
            dims = {**filters, dimension: value}
            if value not in shown and space.key(dims) is not None:
                for measure in ("registrations", "organisations", "endorsed", "not_endorsed", "pending"):
                    facts.append((space.key(dims), measure, (0, b - 1)))
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


def attack(space: Space, facts: list, known_zero: set) -> dict:
    """Difference every published figure against every relation it is part of, once.

    Each relation is used on the published ranges themselves (one differencing step: a total minus
    the shown cells, a filtered view against the unfiltered one, one breakdown against another);
    the narrowest range any of them gives is kept for each count.
    """
    shown: dict = defaultdict(lambda: (0, INFINITY))
    for key, measure, (low, high) in facts:
        old = shown[key, measure]
        shown[key, measure] = (max(old[0], low), min(old[1], high))
    for name in known_zero:
        shown[name] = (0, 0)
    ranges = {name: list(r) for name, r in shown.items()}

    def narrow(name, low=None, high=None):
        r = ranges.setdefault(name, list(shown[name]))
        if low is not None:
            r[0] = max(r[0], low)
        if high is not None:
            r[1] = min(r[1], high)

    for kind, parent, children in relations(space):
        if kind == "le":
            narrow(parent, high=shown[children][1])
            narrow(children, low=shown[parent][0])
            continue
        lows = sum(shown[c][0] for c in children)
        highs = sum(shown[c][1] for c in children)
        p_low, p_high = shown[parent]
        if kind == "sum":
            narrow(parent, low=lows, high=highs)
            for c in children:
                narrow(c, low=p_low - (highs - shown[c][1]), high=p_high - (lows - shown[c][0]))
        else:  # parent <= sum(children), parent >= each child
            narrow(parent, low=max((shown[c][0] for c in children), default=0), high=highs)
            for c in children:
                narrow(c, low=p_low - (highs - shown[c][1]), high=p_high)
    return defaultdict(lambda: [0, INFINITY], ranges)


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


def recovered(orgs: list[Org]) -> tuple[list, dict]:
    """Build the data, publish every view, attack; return the small counts pinned down, and the truth."""
    space, facts = build(orgs)
    truth = true_counts(space, facts)
    figures = every_report(space)
    for key, measure, (low, high) in figures:
        assert low <= truth[key, measure] <= high, (key, measure, truth[key, measure], low, high)
    # The adversary is told which categories are empty in the whole data set (a stronger attack).
    known_zero = set()
    for dimension in ("sector", "kind", "size"):
        for value in space.domain(dimension, {}):
            key = space.key({dimension: value})
            if truth[key, "registrations"] == 0:
                known_zero |= {(k, m) for (k, m) in truth if dict(k).get(dimension) == value}
    ranges = attack(space, figures, known_zero)
    STATS["examples"] += 1
    STATS["published figures"] += len(figures)
    STATS["relations"] += len(relations(space))
    STATS["small counts attacked"] += sum(0 < v < base() for v in truth.values())
    pinned = []
    for name, value in truth.items():
        low, high = ranges[name]
        assert low <= value <= high, (name, value, low, high)  # the attack itself is sound
        if 0 < value < base() and low == high:
            pinned.append((name, value))
    return pinned, truth


HYPOTHESIS = hypothesis_settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


STATS: Counter = Counter()


def test_differencing_across_every_breakdown_and_filter_recovers_no_small_count():
    STATS.clear()

    @HYPOTHESIS
    @given(orgs=ORGS)
    def example(orgs):
        try:
            with transaction.atomic():
                pinned, truth = recovered(orgs)
                STATS["small counts recovered"] += len(pinned)
                assert pinned == [], pinned
                raise Rollback
        except Rollback:
            pass

    example()
    print(f"[disclosure] {dict(STATS)}")
    assert STATS["small counts attacked"] > 0 and STATS["small counts recovered"] == 0


def test_the_attack_recovers_small_counts_from_exact_figures(monkeypatch):
    """The attack is strong enough: with exact counts (only 1..4 hidden) it finds the hidden 1."""

    def exact(value):
        value = int(value or 0)
        return None if 0 < value < base() else value

    monkeypatch.setattr(selectors, "rounded", exact)
    monkeypatch.setattr(selectors, "midpoint", float)
    monkeypatch.setattr("dashboard.tests.test_disclosure.midpoint", float)
    monkeypatch.setattr("dashboard.tests.test_disclosure.published_interval", exact_interval)
    orgs = [Org("C", "company", False, ((0, Decision.ENDORSED),)) for _ in range(5)]
    orgs.append(Org("C", "company", False, ((0, Decision.NOT_ENDORSED),)))
    pinned, _truth = recovered(orgs)
    assert pinned, "the attack should recover the single 'not endorsed' decision"


def exact_interval(value):
    return (1, base() - 1) if value is None else (value, value)


def test_rounding_is_to_the_nearest_multiple_and_hides_zero(settings):
    settings.DASHBOARD_MIN_CELL = 5
    assert [rounded(v) for v in (0, 1, 4, 5, 9, 10, 14, 15, 1234)] == [None, None, None, 5, 5, 10, 10, 15, 1230]
    for value in range(0, 200):
        low, high = published_interval(rounded(value))
        assert low <= value <= high
        assert high - low + 1 == 5
