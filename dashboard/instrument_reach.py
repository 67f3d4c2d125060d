"""The ministry's page on the IMVO framework's reach over the EZK instruments (aggregate only).

Counts of instruments are about schemes, not about organisations, and are shown as they are;
brochure reads are counters, not people. Declarations are counted as organisations: the ministry
sees them from the latest release (``dashboard.release_method``: per instrument the organisations
that endorsed / did not, and the total that endorsed any, each a noisy released cell), RVO staff
the live exact counts. The number of queries is fixed whatever the number of instruments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from brochures.constants import BrochureKind, Channel, VersionStatus
from brochures.models import BrochureDailyCount, BrochureVersion
from declarations.constants import Decision
from instruments.constants import FrameworkLevel, InstrumentKind, PolicyArea
from instruments.models import Instrument, LevelDecision, RolloutPhase

from .releases import instrument_declaration_pairs
from .selectors import Cell, count_cell


def plain(value: int | None) -> Cell:
    value = int(value or 0)
    return Cell(value, number_format(value, force_grouping=True))


def percent(numerator: int, denominator: int) -> Cell:
    if not denominator:
        return Cell(None, "–")
    share = round(100 * numerator / denominator, 1)
    return Cell(share, f"{number_format(share, decimal_pos=1)}%")


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)


@dataclass
class Reach:
    headline: list[tuple[str, Cell]]
    tables: list[Table]


def _declarations_live() -> tuple[dict[int, dict], int]:
    """Organisations that endorsed / did not endorse per instrument, and that endorsed any: the
    exact live counts (RVO staff only)."""
    per_organisation: dict[int, set] = defaultdict(set)
    for organisation, instrument, decision in instrument_declaration_pairs():
        per_organisation[organisation].add((instrument, decision))
    per_instrument: dict[int, dict] = defaultdict(lambda: {"endorsed": 0, "declined": 0})
    endorsed_total = 0
    for found in per_organisation.values():
        for instrument, decision in found:
            per_instrument[instrument]["endorsed" if decision == Decision.ENDORSED else "declined"] += 1
        endorsed_total += any(decision == Decision.ENDORSED for _i, decision in found)
    return per_instrument, endorsed_total


def instrument_reach(*, language: str = "nl", organisation_counts: tuple[dict[int, dict], int] | None = None) -> Reach:
    """The page's figures; organisation counts from ``organisation_counts`` (a release's, see
    ``releases.release_instrument_figures``) or, when None, the live exact counts (staff)."""
    today = timezone.localdate()
    in_force = Q(published_level__gt=0, level_effective_from__lte=today)
    brochured = Q(
        pk__in=BrochureVersion.objects.filter(
            brochure__kind=BrochureKind.INSTRUMENT, status=VersionStatus.PUBLISHED
        ).values("brochure__instrument_id")
    )
    totals = Instrument.objects.aggregate(
        total=Count("pk"), with_brochure=Count("pk", filter=brochured), in_force=Count("pk", filter=in_force)
    )
    total = totals["total"]

    def by(dimension: str, labels: dict) -> Table:
        rows = (
            Instrument.objects.order_by()
            .values(dimension)
            .annotate(n=Count("pk"), brochure=Count("pk", filter=brochured), force=Count("pk", filter=in_force))
        )
        found = {row[dimension]: row for row in rows}
        table = Table(
            dimension,
            _("By kind") if dimension == "kind" else _("By policy area"),
            [_("Instruments"), _("With an online IMVO brochure"), _("Share"), _("Conditions in force")],
        )
        for value, label in labels.items():
            row = found.get(value, {"n": 0, "brochure": 0, "force": 0})
            table.rows.append(
                (
                    str(label),
                    [plain(row["n"]), plain(row["brochure"]), percent(row["brochure"], row["n"]), plain(row["force"])],
                )
            )
        return table

    levels = Table("levels", _("By framework level"), [_("Published"), _("In force today")])
    published = dict(Instrument.objects.order_by().values_list("published_level").annotate(n=Count("pk")))
    forced = dict(Instrument.objects.filter(in_force).order_by().values_list("published_level").annotate(n=Count("pk")))
    for value, label in FrameworkLevel.choices:
        count = published.get(value, 0) + (published.get(None, 0) if value == 0 else 0)
        now = forced.get(value, 0) if value else total - sum(forced.values())
        levels.rows.append((str(label), [plain(count), plain(now)]))

    phases = Table("phases", _("By roll-out phase"), [_("Effective from"), _("Instruments")])
    latest_phase = Subquery(
        LevelDecision.objects.filter(instrument=OuterRef("pk")).order_by("-version").values("phase_id")[:1]
    )
    per_phase = dict(
        Instrument.objects.filter(published_level__gt=0)
        .annotate(current_phase=latest_phase)
        .order_by()
        .values_list("current_phase")
        .annotate(n=Count("pk"))
    )
    for phase in RolloutPhase.objects.order_by("number"):
        phases.rows.append(
            (
                f"{phase.number}. {phase.name}",
                [Cell(None, phase.effective_from.isoformat()), plain(per_phase.get(phase.pk, 0))],
            )
        )

    declarations = Table(
        "declarations", _("Declarations per instrument (organisations)"), [_("Level"), _("Endorsed"), _("Not endorsed")]
    )
    per_instrument, endorsed_total = organisation_counts if organisation_counts is not None else _declarations_live()
    shown = [pk for pk, row in per_instrument.items() if row["endorsed"] or row["declined"]]
    for instrument in Instrument.objects.filter(Q(published_level__gte=2) | Q(pk__in=shown)).order_by("code"):
        row = per_instrument.get(instrument.pk, {"endorsed": 0, "declined": 0})
        declarations.rows.append(
            (
                f"{instrument.code} {instrument.name}",
                [plain(instrument.published_level), count_cell(row["endorsed"]), count_cell(row["declined"])],
            )
        )

    reads = BrochureDailyCount.objects.filter(brochure__kind=BrochureKind.INSTRUMENT).aggregate(
        online=Sum("count", filter=Q(channel=Channel.ONLINE)), pdf=Sum("count", filter=Q(channel=Channel.PDF))
    )
    headline = [
        (_("Instruments"), plain(total)),
        (_("With an online IMVO brochure"), plain(totals["with_brochure"])),
        (_("Share with an online IMVO brochure (target 100%)"), percent(totals["with_brochure"], total)),
        (_("With IMVO conditions in force"), plain(totals["in_force"])),
        (_("Organisations that endorsed the declaration for an instrument"), count_cell(endorsed_total)),
        (_("Reads of instrument IMVO brochures online"), plain(reads["online"])),
        (_("Downloads of instrument IMVO brochures (PDF)"), plain(reads["pdf"])),
    ]
    tables = [
        levels,
        phases,
        by("kind", dict(InstrumentKind.choices)),
        by("policy_area", dict(PolicyArea.choices)),
        declarations,
    ]
    return Reach(headline=headline, tables=tables)
