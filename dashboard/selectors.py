"""Reads of the dashboard: aggregates from uptake rows only, never a personal row.

Every count here is a sum over the rows of one source: the cells of a release
(``ReleasedUptakeRollup``, what the ministry sees; ``dashboard.release_method``), the true rollups
(RVO staff's live view) or the earlier keyed pseudo data set (``disclosure``). The number of queries
is fixed (about ten) whatever the amount of data.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from core.i18n import localised
from organisations.constants import OrganisationKind, Sector, SizeClass

from . import charts
from .constants import ALL_COUNTRIES, ALL_MISSIONS, ALL_YEARS, MEASURES
from .disclosure import share_minimum
from .models import (
    AttendanceRollup,
    BrochureRollup,
    MissionDimension,
    PublishedUptakeRollup,
    RefreshState,
    UptakeRollup,
)

CATEGORY = ("sector", "kind", "size_class")


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    mission: int | None = None
    sector: str | None = None
    kind: str | None = None
    size_class: str | None = None

    def category_q(self) -> Q:
        q = Q()
        for name in ("sector", "kind", "size_class"):
            if getattr(self, name):
                q &= Q(**{name: getattr(self, name)})
        return q


@dataclass
class Cell:
    """One shown figure: ``value`` is None when suppressed or undefined; ``text`` is what is shown."""

    value: int | float | None
    text: str


@dataclass
class Section:
    key: str
    title: str
    dimension_label: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)
    chart: str = ""
    # The dimension value of each row (year, mission id, country code, sector, kind or size class).
    values: list = field(default_factory=list)


def min_cell() -> int:
    return settings.DASHBOARD_MIN_CELL


def count_cell(value: int | None) -> Cell:
    """A published count (a figure of the pseudo data set, a multiple of the base), as a number."""
    value = int(value or 0)
    return Cell(value, number_format(value, force_grouping=True))


def share_cell(numerator: int | None, denominator: int | None) -> Cell:
    """A percentage of two published counts; not shown below ``disclosure.share_minimum`` (2 x base).

    Computed from published figures only, so it reveals nothing beyond them; the minimum keeps a
    share from resting on one rounded group.
    """
    top, bottom = int(numerator or 0), int(denominator or 0)
    if bottom < share_minimum() or not bottom:
        return Cell(None, _("not shown"))
    share = round(100 * top / bottom, 1)
    return Cell(share, f"{number_format(share, decimal_pos=1)}%")


def _sums() -> dict:
    large = Q(size_class=SizeClass.LARGE)
    # The filtered sums come first: once "organisations" names an aggregate it cannot be summed again.
    return {
        "large_organisations": Sum("organisations", filter=large),
        "large_organisations_endorsed": Sum("organisations_endorsed", filter=large),
        **{name: Sum(name) for name in MEASURES},
    }


def _scope(filters: Filters, source: QuerySet) -> QuerySet:
    """Rollup rows that together count every organisation in the selection exactly once."""
    rows = source.filter(filters.category_q())
    if filters.mission:
        rows = rows.filter(mission_id=filters.mission)
        if filters.year:
            rows = rows.filter(year=filters.year)
        return rows
    return rows.filter(mission_id=ALL_MISSIONS, country=ALL_COUNTRIES, year=filters.year or ALL_YEARS)


def _grouped(rows: QuerySet, by: str) -> list[dict]:
    return list(rows.order_by().values(by).annotate(**_sums()).order_by(by))


def _sum_by(rows: list[dict], by: str | None) -> list[dict]:
    """Add up rows (in Python) per value of ``by``; one total row when ``by`` is None."""
    keys = list(_sums())
    grouped: dict = {}
    for row in rows:
        target = grouped.setdefault(row[by] if by else None, {by: row[by]} if by else {})
        for k in keys:
            target[k] = (target.get(k) or 0) + (row[k] or 0)
    return [grouped[k] for k in sorted(grouped, key=lambda v: (v is None, v))]


def _by_year(filters: Filters, source: QuerySet) -> list[dict]:
    rows = source.filter(filters.category_q())
    if filters.mission:
        rows = rows.filter(mission_id=filters.mission)
    else:
        rows = rows.filter(mission_id=ALL_MISSIONS, country=ALL_COUNTRIES).exclude(year=ALL_YEARS)
    if filters.year:
        rows = rows.filter(year=filters.year)
    return _grouped(rows, "year")


def _by_country(filters: Filters, source: QuerySet) -> list[dict]:
    rows = source.filter(filters.category_q())
    if filters.mission:
        rows = rows.filter(mission_id=filters.mission)
        if filters.year:
            rows = rows.filter(year=filters.year)
    else:
        rows = rows.filter(mission_id=ALL_MISSIONS, year=filters.year or ALL_YEARS).exclude(country=ALL_COUNTRIES)
    return _grouped(rows, "country")


def _by_mission(filters: Filters, source: QuerySet) -> list[dict]:
    rows = source.filter(filters.category_q()).exclude(mission_id=ALL_MISSIONS)
    if filters.mission:
        rows = rows.filter(mission_id=filters.mission)
    if filters.year:
        rows = rows.filter(year=filters.year)
    return _grouped(rows, "mission_id")


COLUMNS = (
    ("organisations", gettext_lazy("Organisations")),
    ("large_organisations", gettext_lazy("Large companies")),
    ("registrations", gettext_lazy("Registrations")),
    ("declarations_endorsed", gettext_lazy("Declarations endorsed")),
    ("declarations_not_endorsed", gettext_lazy("Not endorsed")),
    ("declarations_pending", gettext_lazy("Pending")),
)


def _row_cells(values: dict) -> list[Cell]:
    cells = [count_cell(values.get(name)) for name, _label in COLUMNS]
    cells.append(share_cell(values.get("organisations_endorsed"), values.get("organisations")))
    cells.append(share_cell(values.get("large_organisations_endorsed"), values.get("large_organisations")))
    return cells


def _columns() -> list[str]:
    return [str(label) for _name, label in COLUMNS] + [
        _("Organisations that endorsed (%)"),
        _("Large companies that endorsed (%)"),
    ]


def missions_known() -> list[MissionDimension]:
    return list(MissionDimension.objects.order_by("-starts_on", "mission_id"))


def mission_title(mission: MissionDimension, language: str) -> str:
    return localised(mission, "title", language) or mission.slug


def _country_name(code: str) -> str:
    return countries.name(code) or code


def refresh_state() -> RefreshState | None:
    return RefreshState.objects.filter(pk=1).first()


def _attendance(filters: Filters) -> dict:
    rows = AttendanceRollup.objects.filter(filters.category_q())
    if filters.year:
        rows = rows.filter(year=filters.year)
    if filters.mission:
        rows = rows.filter(mission_id=filters.mission)
    return rows.aggregate(attended=Sum("attended_shown"), absent=Sum("absent_shown"), excused=Sum("excused_shown"))


def _brochures(filters: Filters) -> dict:
    rows = BrochureRollup.objects.all()
    if filters.year:
        rows = rows.filter(year=filters.year)
    return rows.aggregate(downloads=Sum("downloads"), online_views=Sum("online_views"))


@dataclass
class Report:
    filters: Filters
    headline: list[tuple[str, Cell, str]]
    target: dict
    sections: list[Section]
    refreshed: RefreshState | None


def dashboard_report(
    *,
    filters: Filters,
    missions: list[MissionDimension],
    language: str,
    state: RefreshState | None = None,
    source: QuerySet | None = None,
) -> Report:
    """Everything the dashboard shows for a selection, from the uptake rows of ``source``: the cells
    of a release (``ReleasedUptakeRollup`` of one release: the ministry), the true rollups
    (``UptakeRollup``: RVO staff's live view) or, by default, the keyed pseudo data set."""
    source = PublishedUptakeRollup.objects.all() if source is None else source
    # One query for the totals and the sector / kind / size breakdowns (at most 21 x 3 x 2 rows).
    categories = list(_scope(filters, source).order_by().values(*CATEGORY).annotate(**_sums()))
    totals = (_sum_by(categories, None) or [dict.fromkeys(_sums(), 0)])[0]
    # Attendance facts carry no organisation, so its contribution to a release cannot be bounded:
    # the attendance rate is shown on RVO staff's live view only, never in what leaves the portal.
    live = source.model is UptakeRollup
    attendance = _attendance(filters) if live else dict.fromkeys(("attended", "absent", "excused"), 0)
    brochures = _brochures(filters)
    selected_missions = [
        m
        for m in missions
        if (not filters.year or m.year == filters.year) and (not filters.mission or m.mission_id == filters.mission)
    ]
    recorded = sum(int(attendance[k] or 0) for k in ("attended", "absent", "excused"))
    large = int(totals["large_organisations"] or 0)
    large_endorsed = int(totals["large_organisations_endorsed"] or 0)
    target_percent = settings.LARGE_COMPANY_TARGET_PERCENT
    large_share = share_cell(large_endorsed, large)
    target = {
        "percent": target_percent,
        "share": large_share,
        "large": count_cell(large),
        "large_endorsed": count_cell(large_endorsed),
        # Too few for a share (``disclosure.share_minimum``).
        "few_large": large < share_minimum(),
        "met": large_share.value is not None and large_share.value >= target_percent,
        "chart": charts.target_gauge(large_share.value, target_percent),
    }
    headline = [
        (_("Missions"), Cell(len(selected_missions), number_format(len(selected_missions))), ""),
        (
            _("Registrations"),
            count_cell(totals["registrations"]),
            _("Submitted registrations, also if withdrawn later."),
        ),
        (_("Participating organisations"), count_cell(totals["organisations"]), _("Counted once per selection.")),
        (
            _("Declarations endorsed"),
            count_cell(totals["declarations_endorsed"]),
            _("Current decision per registration."),
        ),
        (
            _("Declarations not endorsed"),
            count_cell(totals["declarations_not_endorsed"]),
            _("Declined, or endorsement withdrawn."),
        ),
        (_("Declarations pending"), count_cell(totals["declarations_pending"]), _("No decision recorded yet.")),
        (
            _("Share of large companies that endorsed"),
            large_share,
            _("Target: %(target)d%%.") % {"target": target_percent},
        ),
        (
            _("Share of all organisations that endorsed"),
            share_cell(totals["organisations_endorsed"], totals["organisations"]),
            "",
        ),
        (
            _("Preparation-session attendance rate"),
            share_cell(attendance["attended"], recorded) if live else Cell(None, _("RVO staff only")),
            _("Attended out of recorded attendance (attended, absent or excused).")
            if live
            else _("Not in the published releases: it cannot yet be protected across releases."),
        ),
        (
            _("Brochure downloads"),
            Cell(
                int(brochures["downloads"] or 0), number_format(int(brochures["downloads"] or 0), force_grouping=True)
            ),
            _("All brochures; only the year filter applies."),
        ),
        (
            _("Brochure online views"),
            Cell(
                int(brochures["online_views"] or 0),
                number_format(int(brochures["online_views"] or 0), force_grouping=True),
            ),
            _("All brochures; only the year filter applies."),
        ),
    ]

    titles = {m.mission_id: mission_title(m, language) for m in missions}
    sector_labels, kind_labels, size_labels = (
        dict(Sector.choices),
        dict(OrganisationKind.choices),
        dict(SizeClass.choices),
    )
    specs = [
        ("year", _("By year (trend)"), _("Year"), _by_year(filters, source), lambda v: str(v)),
        ("mission", _("By mission"), _("Mission"), _by_mission(filters, source), lambda v: titles.get(v, f"#{v}")),
        ("country", _("By destination"), _("Destination"), _by_country(filters, source), _country_name),
        (
            "sector",
            _("By sector (SBI section)"),
            _("Sector"),
            _sum_by(categories, "sector"),
            lambda v: str(sector_labels.get(v, v)),
        ),
        (
            "kind",
            _("By kind of organisation"),
            _("Kind"),
            _sum_by(categories, "kind"),
            lambda v: str(kind_labels.get(v, v)),
        ),
        (
            "size_class",
            _("By size class"),
            _("Size class"),
            _sum_by(categories, "size_class"),
            lambda v: str(size_labels.get(v, v)),
        ),
    ]
    sections = []
    for key, title, dimension_label, rows, label_of in specs:
        section = Section(key=key, title=title, dimension_label=dimension_label, columns=_columns())
        for values in rows:
            cells = _row_cells(values)
            if not any(cell.value for cell in cells):
                continue  # every published count 0: leaving the row out depends on published figures only
            value = values[key if key != "mission" else "mission_id"]
            section.rows.append((label_of(value), cells))
            section.values.append(value)
        if key == "year":
            section.chart = charts.trend_chart(
                [(label, cells[-1].value) for label, cells in section.rows],
                target_percent,
                title=_("Share of large companies that endorsed, per year, against the %(target)d%% target")
                % {"target": target_percent},
            )
        else:
            section.chart = charts.bar_chart(
                [(label, cells[0].value, cells[0].text) for label, cells in section.rows],
                title=_("Participating organisations %(breakdown)s") % {"breakdown": title.lower()},
            )
        sections.append(section)
    return Report(
        filters=filters, headline=headline, target=target, sections=sections, refreshed=state or refresh_state()
    )
