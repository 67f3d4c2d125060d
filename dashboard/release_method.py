"""How a dashboard release is computed: differential privacy across releases (zCDP, Gaussian noise).

Why not keyed rounding any more: rounding that is a fixed function of the data publishes the
difference a change made (two releases differ exactly where one organisation changed), and
rounding refreshed per release is unbiased, so the average of many releases converges on the true
count. Only noise whose privacy loss is *accounted for across releases* stops both. This module
implements the Gaussian mechanism with fresh noise per release and composes the releases of a year
under zero-concentrated differential privacy (zCDP; Bun & Steinke 2016).

**Unit of privacy: one organisation**, with every registration fact it has (all missions, years,
decisions) and every instrument declaration. Two data sets are neighbours when one has an
organisation the other lacks (add/remove). A change of one organisation (its size class, a
withdrawal, a new registration) is a remove plus an add: group privacy of 2 (at most 4 rho), and
the measured loss of such a change is what the attack test checks.

**Contribution bound** (a fixed function of the organisation's own data, so it costs nothing):
each organisation counts with one category (sector, kind, size class: those of its most recent
fact) and at most ``K`` registrations (``DASHBOARD_RELEASE_MAX_REGISTRATIONS``, default 3: the most
recent missions) and ``K`` instruments (the lowest instrument ids with a declaration). Anything above
is left out of the released figures (measured bias, see ``make bench``).

**Cells: a fixed, public domain.** A cell that appears only when an organisation exists gives away
that organisation. The domain is built from public things only: every non-draft mission (its id,
year and destination), the five scopes the page reads (mission; year and destination; year;
destination; all), every category of the published code lists (21 sectors x 3 kinds x 2 size
classes) and five measures: organisations, organisations with an endorsed declaration, and
declarations endorsed / not endorsed (incl. withdrawn) / pending. Every cell of the domain gets
noise, empty or not; plus per public instrument: organisations that endorsed / did not, and the
total that endorsed any.

**Sensitivity.** With at most K registrations, adding an organisation changes: per mission cell at
most 3 measures by 1 (3K over its missions); in each of the scopes (year, destination), year and
destination at most max(3K, K^2 + 2) in squared norm (one organisation count, one endorsed count,
and its K decisions in one cell in the worst case); in the total K^2 + 2. Instruments: at most 2
cells per instrument (it can have both decisions) and the total, 2K + 1. So the squared L2
sensitivity is Delta^2 = 3K + 3 max(3K, K^2 + 2) + K^2 + 2 + 2K + 1 (K=3: 60).

**Noise and budget.** Every cell gets independent discrete Gaussian noise N_Z(0, sigma^2)
(Canonne, Kamath & Steinke 2020): one release is rho-zCDP with rho = Delta^2 / (2 sigma^2).
zCDP composes additively, so a year of n releases (cadence: monthly 12, quarterly 4, weekly 52)
is n rho-zCDP. The budget is set per year (``DASHBOARD_RELEASE_RHO_PER_YEAR``, default 2): rho per
release = yearly rho / n and sigma^2 = Delta^2 / (2 rho). In (epsilon, delta)-DP: rho-zCDP implies
(rho + 2 sqrt(rho ln(1/delta)), delta)-DP (Bun & Steinke 2016, Prop. 1.3). For a test of "changed
or not" an adversary with any number r of releases is bounded by Gaussian DP with
mu = ||d|| sqrt(r) / sigma (d: how the change moves the true cells): guess accuracy at most
Phi(mu / 2) with equal priors (Dong, Roth & Su 2019). Averaging does not converge on the truth
any faster than that bound allows, and after the yearly budget the loss keeps growing only as the
square root of the number of releases.

**Post-processing** (free under DP; uses released values only): each noisy cell below the
threshold tau (the smallest multiple of the base B at or above 2 sigma) is published as 0, every
other is rounded to the nearest multiple of B, so no published figure is 1 to B - 1. Then per cell
organisations_endorsed <= organisations <= registrations, with registrations = endorsed + not
endorsed + pending. Every figure the page, CSV and instrument page show is a sum of released cells
of one scope, so totals are the sums of their rows and registrations add up, exactly, within a
release. Figures of different scopes (a year row against the all-years total) are separate
measurements and can differ by their noise. Shares are computed from published counts, only when
the denominator is at least 2 B.

**Randomness.** The draw of every cell is keyed: HMAC-SHA-256 of the dashboard key
(``disclosure._key``), the release's number and random salt (stored with it) and the cell, seeding
its own generator: a stored release can be recomputed and checked, and no two releases share noise,
not even when a number is issued again after a restore (the difference would cancel the noise).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.conf import settings

from declarations.constants import Decision
from organisations.constants import OrganisationKind, Sector, SizeClass

from .constants import ALL_COUNTRIES, ALL_MISSIONS, ALL_YEARS
from .disclosure import _key, base

METHOD = "zcdp-gaussian-v1"
RELEASES_PER_YEAR = {"weekly": 52, "monthly": 12, "quarterly": 4}
# Measures noised per cell (registrations = the three decision counts, derived).
CELL_MEASURES = (
    "organisations",
    "organisations_endorsed",
    "declarations_endorsed",
    "declarations_not_endorsed",
    "declarations_pending",
)
# Threshold below which a noisy cell is published as 0, in standard deviations of the noise.
THRESHOLD_SIGMAS = 2.0
CATEGORIES = tuple(
    (sector, kind, size) for sector in Sector.values for kind in OrganisationKind.values for size in SizeClass.values
)
# Measured by ``bench/release_accuracy.py`` (median / 95th percentile absolute error of the all-years
# headline figures over 5 releases) on the bench database of 1,000,000 declarations of 50,000
# organisations with the default parameters (monthly, rho 2 per year, K 3); shown on the page.
MEASURED_ACCURACY = {
    "registrations": 1_000_000,
    "organisations": 50_000,
    "organisations_median": 120,
    "organisations_p95": 235,
    "large_share_median": 6.6,
    "registrations_kept_percent": 15,
}
_DECISION_MEASURE = {
    Decision.ENDORSED: "declarations_endorsed",
    Decision.NOT_ENDORSED: "declarations_not_endorsed",
    Decision.WITHDRAWN: "declarations_not_endorsed",
    "": "declarations_pending",
}


@dataclass(frozen=True)
class Parameters:
    """The public parameters of a release (stored with it and shown on the page)."""

    method: str
    cadence: str
    releases_per_year: int
    rho_per_year: float
    rho_per_release: float
    max_registrations: int
    sensitivity_squared: int
    sigma: float
    threshold: int
    base: int

    def as_dict(self) -> dict:
        return asdict(self)

    def epsilon(self, rho: float, delta: float = 1e-6) -> float:
        """(epsilon, delta)-DP implied by rho-zCDP (Bun & Steinke 2016, Prop. 1.3)."""
        return rho + 2 * math.sqrt(rho * math.log(1 / delta))


def sensitivity_squared(k: int) -> int:
    """Squared L2 sensitivity of one release to adding or removing one organisation (see above)."""
    return 3 * k + 3 * max(3 * k, k * k + 2) + k * k + 2 + 2 * k + 1


def parameters(*, cadence: str | None = None, rho_per_year: float | None = None, k: int | None = None) -> Parameters:
    cadence = cadence or settings.DASHBOARD_RELEASE_CADENCE
    if cadence not in RELEASES_PER_YEAR:
        raise ValueError(f"unknown cadence {cadence!r}")
    n = RELEASES_PER_YEAR[cadence]
    rho_year = float(rho_per_year if rho_per_year is not None else settings.DASHBOARD_RELEASE_RHO_PER_YEAR)
    k = int(k if k is not None else settings.DASHBOARD_RELEASE_MAX_REGISTRATIONS)
    rho = rho_year / n
    delta2 = sensitivity_squared(k)
    sigma = math.sqrt(delta2 / (2 * rho))
    b = base()
    threshold = max(b, b * math.ceil(THRESHOLD_SIGMAS * sigma / b))
    return Parameters(METHOD, cadence, n, rho_year, rho, k, delta2, sigma, threshold, b)


# --- noise ---------------------------------------------------------------------------------------


def _rng(number: int | str, cell: str) -> random.Random:
    digest = hmac.new(_key(), f"release|{number}|{cell}".encode(), hashlib.sha256).digest()
    return random.Random(digest)  # noqa: S311 - seeded by a keyed PRF; unpredictable without the key


def _discrete_laplace(t: int, rng: random.Random) -> int:
    """P(y) proportional to exp(-|y| / t): the difference of two geometric variables."""
    log_q = -1.0 / t
    g1 = int(math.log(1.0 - rng.random()) / log_q)
    g2 = int(math.log(1.0 - rng.random()) / log_q)
    return g1 - g2


def discrete_gaussian(sigma: float, rng: random.Random) -> int:
    """A draw of N_Z(0, sigma^2) by rejection from a discrete Laplace (Canonne, Kamath & Steinke
    2020, Algorithm 3; acceptance in floating point)."""
    sigma2 = sigma * sigma
    t = int(math.floor(sigma)) + 1
    while True:
        y = _discrete_laplace(t, rng)
        if rng.random() < math.exp(-((abs(y) - sigma2 / t) ** 2) / (2 * sigma2)):
            return y


def noise(number: int | str, cell: str, sigma: float) -> int:
    return discrete_gaussian(sigma, _rng(number, cell))


def publish_value(noisy: int, params: Parameters) -> int:
    """A noisy count as published: 0 below the threshold, else the nearest multiple of the base."""
    if noisy < params.threshold:
        return 0
    return params.base * int(math.floor(noisy / params.base + 0.5))


# --- the true cells from the facts, with the contribution bound ------------------------------------


def scope_keys(mission: int, year: int, country: str) -> tuple[tuple, ...]:
    """The five scope rows a registration for ``mission`` counts in (as the rollups: year, country, mission)."""
    return (
        (year, country, mission),
        (year, country, ALL_MISSIONS),
        (year, ALL_COUNTRIES, ALL_MISSIONS),
        (ALL_YEARS, country, ALL_MISSIONS),
        (ALL_YEARS, ALL_COUNTRIES, ALL_MISSIONS),
    )


def domain_scopes(missions: Iterable[tuple[int, int, str]]) -> list[tuple]:
    """Every scope key of the public domain, from the public missions (id, year, country)."""
    keys = set()
    for mission, year, country in missions:
        keys.update(scope_keys(mission, year, country))
    return sorted(keys)


def clipped_units(facts: Iterable[tuple]) -> dict[int, tuple[tuple, list[tuple]]]:
    """Per organisation: (its category, at most K of its registrations as (mission, year, country, decision)).

    ``facts``: (organisation, sector, kind, size class, mission, year, country, decision, registration id).
    The category is that of the newest registration; one registration per mission (the newest); the
    K most recent missions (year, then mission id) are kept.
    """
    k = settings.DASHBOARD_RELEASE_MAX_REGISTRATIONS
    per_org: dict[int, dict] = defaultdict(dict)
    newest: dict[int, tuple] = {}
    for organisation, sector, kind, size, mission, year, country, decision, registration in facts:
        rows = per_org[organisation]
        if mission not in rows or rows[mission][0] < registration:
            rows[mission] = (registration, year, country, decision)
        if organisation not in newest or newest[organisation][0] < registration:
            newest[organisation] = (registration, (sector, kind, size))
    units = {}
    for organisation, rows in per_org.items():
        kept = sorted(rows.items(), key=lambda item: (item[1][1], item[0]), reverse=True)[:k]
        units[organisation] = (
            newest[organisation][1],
            [(mission, year, country, decision) for mission, (_r, year, country, decision) in kept],
        )
    return units


def true_cells(units: dict[int, tuple[tuple, list[tuple]]]) -> dict[tuple, dict[str, int]]:
    """(scope key + category) -> the five measures, from the clipped organisations."""
    cells: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CELL_MEASURES, 0))
    for category, registrations in units.values():
        seen: dict[tuple, bool] = {}
        for mission, year, country, decision in registrations:
            endorsed = decision == Decision.ENDORSED
            for scope in scope_keys(mission, year, country):
                key = (*scope, *category)
                measure = _DECISION_MEASURE.get(decision)
                if measure:
                    cells[key][measure] += 1
                seen[key] = seen.get(key, False) or endorsed
        for key, endorsed in seen.items():
            cells[key]["organisations"] += 1
            cells[key]["organisations_endorsed"] += int(endorsed)
    return cells


def clipped_instruments(pairs: Iterable[tuple[int, int, str]]) -> dict[int, list[tuple[int, str]]]:
    """Per organisation: its (instrument, decision) pairs for at most K instruments (lowest ids)."""
    k = settings.DASHBOARD_RELEASE_MAX_REGISTRATIONS
    per_org: dict[int, set] = defaultdict(set)
    for organisation, instrument, decision in pairs:
        per_org[organisation].add((instrument, decision))
    clipped = {}
    for organisation, found in per_org.items():
        instruments = sorted({i for i, _d in found})[:k]
        clipped[organisation] = sorted(p for p in found if p[0] in instruments)
    return clipped


def true_instrument_cells(clipped: dict[int, list[tuple[int, str]]]) -> dict[str, int]:
    cells: dict[str, int] = defaultdict(int)
    for found in clipped.values():
        for instrument, decision in found:
            cells[f"i|{instrument}|{'endorsed' if decision == Decision.ENDORSED else 'declined'}"] += 1
        cells["i|endorsed_any"] += int(any(d == Decision.ENDORSED for _i, d in found))
    return cells


# --- one release -----------------------------------------------------------------------------------


def cell_label(key: tuple, measure: str) -> str:
    return "u|" + "|".join(str(part) for part in key) + "|" + measure


def released_cell(key: tuple, truth: dict[str, int], number: int | str, params: Parameters) -> dict[str, int]:
    """The published measures of one uptake cell of release ``number`` (noise, then post-processing)."""
    out = {
        m: publish_value(truth.get(m, 0) + noise(number, cell_label(key, m), params.sigma), params)
        for m in CELL_MEASURES
    }
    out["registrations"] = out["declarations_endorsed"] + out["declarations_not_endorsed"] + out["declarations_pending"]
    out["organisations"] = min(out["organisations"], out["registrations"])
    out["organisations_endorsed"] = min(out["organisations_endorsed"], out["organisations"])
    return out


def released_uptake(
    scopes: list[tuple], cells: dict[tuple, dict[str, int]], number: int | str, params: Parameters
) -> dict[tuple, dict[str, int]]:
    """Every cell of the domain, released; only the cells with a non-zero figure are returned."""
    out = {}
    for scope in scopes:
        for category in CATEGORIES:
            key = (*scope, *category)
            published = released_cell(key, cells.get(key, {}), number, params)
            if any(published.values()):
                out[key] = published
    return out


def released_instruments(
    instruments: Iterable[int], cells: dict[str, int], number: int | str, params: Parameters
) -> dict[str, int]:
    labels = [f"i|{i}|{what}" for i in instruments for what in ("endorsed", "declined")] + ["i|endorsed_any"]
    out = {}
    for label in labels:
        value = publish_value(cells.get(label, 0) + noise(number, label, params.sigma), params)
        if value:
            out[label] = value
    return out
