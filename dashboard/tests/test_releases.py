"""Releases of the ministry's figures: publication, cadence, audit, the page, and the promises that
hold within one release (relations add up, no figure 1-4, shares above the denominator, a fixed domain)."""

import csv
import io
import itertools
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from dashboard import demo, release_method
from dashboard.models import DashboardRelease, ReleasedUptakeRollup
from dashboard.releases import (
    next_period_start,
    period_of,
    release_budget_spent,
    release_compute,
    release_draw,
    release_publish,
    release_publish_if_due,
    true_data,
)
from dashboard.selectors import Filters, dashboard_report, missions_known
from dashboard.services import rollups_refresh
from declarations.constants import Decision
from missions.constants import MissionStatus
from organisations.constants import SizeClass
from tests.factories import MinistryUserFactory, OrganisationFactory, StaffUserFactory, UserFactory, member_of
from tests.mfa import login_staff

from .helpers import make_mission, register

pytestmark = pytest.mark.django_db


def test_periods_and_the_next_release_follow_the_cadence():
    day = date(2026, 12, 6)  # a Sunday
    assert period_of(day, "monthly") == "2026-12" and next_period_start(day, "monthly") == date(2027, 1, 1)
    assert period_of(day, "quarterly") == "2026-Q4" and next_period_start(day, "quarterly") == date(2027, 1, 1)
    assert period_of(date(2026, 5, 2), "quarterly") == "2026-Q2"
    assert next_period_start(date(2026, 5, 2), "quarterly") == date(2026, 7, 1)
    assert period_of(day, "weekly") == "2026-W49" and next_period_start(day, "weekly") == date(2026, 12, 7)
    assert release_method.parameters(cadence="weekly").releases_per_year == 52


def test_the_budget_per_release_is_the_yearly_budget_over_the_cadence(settings):
    settings.DASHBOARD_RELEASE_RHO_PER_YEAR = 1.2
    monthly, quarterly = release_method.parameters(cadence="monthly"), release_method.parameters(cadence="quarterly")
    assert monthly.rho_per_release == pytest.approx(0.1) and quarterly.rho_per_release == pytest.approx(0.3)
    # rho = Delta^2 / (2 sigma^2), and the threshold is a multiple of the base at or above 2 sigma.
    for p in (monthly, quarterly):
        assert p.sensitivity_squared / (2 * p.sigma**2) == pytest.approx(p.rho_per_release)
        assert p.threshold % p.base == 0 and p.threshold >= 2 * p.sigma


def test_publish_stores_the_computed_cells_audits_and_never_reuses_a_number():
    mission = make_mission()
    for _ in range(3):
        register(mission)
    first = release_publish(reason="test")
    second = release_publish(reason="test")
    assert (first.number, second.number) == (1, 2)
    data = true_data()
    for release in (first, second):
        uptake, instruments = release_compute(data, release_draw(release), release_method.parameters())
        stored = ReleasedUptakeRollup.objects.filter(release=release)
        assert stored.count() == len(uptake)
        for row in stored:
            key = (row.year, row.country, row.mission_id, row.sector, row.kind, row.size_class)
            assert row.registrations == uptake[key]["registrations"]
        assert release.figures["instruments"] == instruments
    events = AuditEvent.objects.filter(action="dashboard.release_published").order_by("pk")
    assert [e.details["number"] for e in events] == [1, 2]
    assert events[0].details["rho"] == pytest.approx(first.rho)
    assert release_budget_spent() == pytest.approx(first.rho + second.rho)


def test_beat_publishes_once_per_period():
    now = timezone.now()
    release = release_publish_if_due(now=now)
    assert release is not None and release.period == period_of(timezone.localdate(now), "monthly")
    assert release_publish_if_due(now=now) is None
    later = release_publish_if_due(now=now + timedelta(days=32))
    assert later is not None and later.number == release.number + 1
    assert DashboardRelease.objects.count() == 2


def test_command_publishes_for_staff_or_an_operator_only():
    staff = StaffUserFactory()
    with pytest.raises(CommandError):
        call_command("dashboard_release", actor=member_of().email)
    with pytest.raises(CommandError):
        call_command("dashboard_release", actor="nobody@example.org")
    out = io.StringIO()
    call_command("dashboard_release", actor=staff.email, stdout=out)
    assert "Release 1" in out.getvalue()
    event = AuditEvent.objects.get(action="dashboard.release_published")
    assert event.actor == staff and event.details["reason"] == "command"
    call_command("dashboard_release", actor=UserFactory(is_superuser=True).email, stdout=out)
    assert DashboardRelease.objects.count() == 2


def test_seed_demo_publishes_a_first_release_once():
    register(make_mission())
    demo.seed(companies=1, password="x", log=lambda _m: None)
    demo.seed(companies=1, password="x", log=lambda _m: None)
    assert DashboardRelease.objects.count() == 1


def test_the_domain_is_public_and_does_not_depend_on_registrations():
    public, empty = make_mission(year=2024, country="JP"), make_mission(year=2025, country="KE")
    draft = make_mission(year=2025, country="BR")
    draft.status = MissionStatus.DRAFT
    draft.save()
    register(public)
    rollups_refresh()
    before = true_data()
    register(public, OrganisationFactory(sector="A", large=True))
    rollups_refresh()
    after = true_data()
    assert before.scopes == after.scopes  # noise on the same cells, with or without the organisation
    missions = {scope[2] for scope in after.scopes}
    assert empty.pk in missions and draft.pk not in missions
    assert not any(scope[1] == "BR" for scope in after.scopes)


def test_one_category_and_at_most_k_registrations_per_organisation(settings):
    settings.DASHBOARD_RELEASE_MAX_REGISTRATIONS = 2
    organisation = OrganisationFactory()
    missions = [make_mission(year=2020 + i) for i in range(4)]
    for mission in missions:
        register(mission, organisation)
    rollups_refresh()
    data = true_data()
    total = sum(v["declarations_endorsed"] for k, v in data.cells.items() if k[:3] == (0, "", 0))
    assert total == 2
    counted = {k[0] for k, v in data.cells.items() if k[2] == 0 and k[1] == "" and k[0] and v["organisations"]}
    assert counted == {2022, 2023}  # the most recent missions
    assert sum(v["organisations"] for k, v in data.cells.items() if k[:3] == (0, "", 0)) == 1


def _reports(release):
    source = ReleasedUptakeRollup.objects.filter(release=release)
    missions = missions_known()
    choices = {
        "year": [None, 2024, 2025],
        "mission": [None, *[m.mission_id for m in missions]],
        "sector": [None, "C"],
        "size_class": [None, SizeClass.LARGE],
    }
    for combo in itertools.product(*choices.values()):
        filters = Filters(**dict(zip(choices, combo, strict=True)))
        yield dashboard_report(filters=filters, missions=missions, language="nl", source=source)


def test_within_a_release_relations_add_up_no_figure_is_1_to_4_and_shares_need_a_denominator(settings):
    settings.DASHBOARD_RELEASE_RHO_PER_YEAR = 60.0  # noise small enough that many cells pass the threshold
    early, late = make_mission(year=2024, country="JP"), make_mission(year=2025, country="IN")
    for i in range(70):
        organisation = OrganisationFactory(sector="CA"[i % 2], large=i % 3 == 0)
        register(early, organisation, decision=[Decision.ENDORSED, Decision.NOT_ENDORSED, None][i % 3])
        if i % 2:
            register(late, organisation)
    release = release_publish()
    b = settings.DASHBOARD_MIN_CELL
    checked = 0
    for report in _reports(release):
        headline = {label: cell for label, cell, _help in report.headline}
        for section in report.sections:
            for _label, cells in section.rows:
                counts = [cell.value for cell in cells[:6]]
                assert all(v % b == 0 for v in counts)  # multiples of the base: never 1 to 4
                organisations, large, registrations, endorsed, not_endorsed, pending = counts
                assert registrations == endorsed + not_endorsed + pending
                assert large <= organisations <= registrations
                for share, denominator in ((cells[6], organisations), (cells[7], large)):
                    assert (share.value is None) == (denominator < 2 * b)
                checked += 1
            if section.key in ("sector", "kind", "size_class"):
                # A breakdown of the selection's own scope: its rows add up to the headline exactly.
                columns = list(zip(*[[c.value for c in cells[:6]] for _l, cells in section.rows])) or [[0]] * 6
                assert sum(columns[0]) == headline["Deelnemende organisaties"].value
                assert sum(columns[2]) == headline["Aanmeldingen"].value
    assert checked > 50
    assert any(cell.value for report in _reports(release) for _l, cell, _h in report.headline[1:3])


@pytest.fixture
def ministry(client):
    login_staff(client, MinistryUserFactory())
    return client


def test_before_the_first_release_the_page_says_so(ministry, settings):
    settings.DASHBOARD_REFRESH_ON_READ = False  # with beat: the page itself never publishes
    register(make_mission())
    response = ministry.get(reverse("dashboard:index"))
    assert response.status_code == 200 and response.context["report"] is None
    assert 'id="release-empty"' in response.text
    export = ministry.get(reverse("dashboard:export")).content.decode("utf-8-sig")
    assert "1" not in export.replace("\r\n", "")  # nothing but the message


def test_ministry_sees_the_release_and_its_dates_staff_see_live_figures(client, ministry, settings):
    settings.DASHBOARD_RELEASE_RHO_PER_YEAR = 1e9  # negligible noise: known figures
    mission = make_mission()
    for _ in range(6):
        register(mission)
    now = timezone.make_aware(datetime(2026, 12, 6, 10, 0))
    release = release_publish(now=now)
    for _ in range(10):
        register(mission)
    page = ministry.get(reverse("dashboard:index"))
    assert 'id="release-date"' in page.text and "(release 1)" in page.text or "(publicatie 1)" in page.text
    assert "1 januari 2027" in page.text  # the next release of the monthly cadence
    assert 'id="measured-cost"' in page.text and "zCDP" in page.text  # guarantee and measured cost
    assert page.context["report"].headline[1][1].value == 5  # 6 at the release, rounded; the 10 later: not yet
    rows = list(
        csv.reader(io.StringIO(ministry.get(reverse("dashboard:export")).content.decode("utf-8-sig")), delimiter=";")
    )
    assert any(
        row[:2] == ["Publicatie", str(release.number)] or row[:2] == ["Release", str(release.number)] for row in rows
    )

    rollups_refresh()
    login_staff(client, StaffUserFactory())
    live = client.get(reverse("dashboard:index"))
    assert live.context["report"].headline[1][1].value == 16  # live and exact for RVO staff
    published = client.get(reverse("dashboard:index"), {"view": "release"})
    assert published.context["report"].headline[1][1].value == 5


def test_a_ministry_user_cannot_ask_for_live_figures(ministry, settings):
    settings.DASHBOARD_REFRESH_ON_READ = False
    register(make_mission())
    response = ministry.get(reverse("dashboard:index"), {"view": "live"})
    assert response.context["report"] is None  # still only releases (none yet)


def test_privacy_page_states_the_release_cadence(client):
    response = client.get(reverse("privacy"))
    assert 'id="release-cadence"' in response.text
    assert "zCDP" in response.text


def test_the_noise_is_a_discrete_gaussian_of_the_stated_sigma_and_new_per_release():
    sigma = 3.0
    draws = [release_method.noise(7, f"cell-{i}", sigma) for i in range(20000)]
    weights = {z: pow(2.718281828459045, -(z * z) / (2 * sigma * sigma)) for z in range(-40, 41)}
    total = sum(weights.values())
    counts = dict.fromkeys(weights, 0)
    for z in draws:
        counts[z] += 1
    distance = sum(abs(counts[z] / len(draws) - weights[z] / total) for z in weights) / 2
    assert distance < 0.02  # total variation to the exact pmf (sampling error alone is about 0.01)
    assert abs(sum(draws) / len(draws)) < 0.1
    # Keyed: the same release number and cell give the same draw, another number another one.
    assert release_method.noise(7, "cell-1", sigma) == draws[1]
    assert [release_method.noise(8, f"cell-{i}", sigma) for i in range(50)] != draws[:50]


def test_publish_value_never_shows_1_to_4():
    params = release_method.parameters()
    shown = {release_method.publish_value(v, params) for v in range(-50, 200)}
    assert all(v == 0 or (v >= params.threshold and v % params.base == 0) for v in shown)


def test_the_privacy_accounting_agrees_with_opendp():
    """rho of one release and of a year of releases, and the (epsilon, delta) conversion, checked
    against OpenDP's own Gaussian mechanism and composition (the page and docs state ours)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    params = release_method.parameters()
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l2_distance(T=float)
    release = dp.m.make_gaussian(*space, scale=params.sigma)
    sensitivity = params.sensitivity_squared**0.5
    assert release.map(d_in=sensitivity) == pytest.approx(params.rho_per_release)
    year = dp.c.make_composition([release] * params.releases_per_year)
    assert year.map(d_in=sensitivity) == pytest.approx(params.rho_per_year)
    # Our conversion (Bun & Steinke) is an upper bound of OpenDP's tighter one.
    optimal = dp.c.make_zCDP_to_approxDP(year).map(d_in=sensitivity).epsilon(1e-6)
    assert optimal <= params.epsilon(params.rho_per_year) < optimal * 1.3


def test_a_number_issued_again_does_not_repeat_the_noise():
    register(make_mission())
    first = release_publish()
    # As if the database were restored to before the release and its claim in the evidence storage
    # lost as well (dashboard/release_claims.py keeps numbers otherwise): number 1 is issued again.
    ReleasedUptakeRollup.objects.filter(release=first).delete()
    DashboardRelease.objects.filter(pk=first.pk).delete()
    from django.core.files.storage import storages

    from dashboard.release_claims import RELEASE_CLAIMS_PREFIX

    storages["evidence"].delete(f"{RELEASE_CLAIMS_PREFIX}/release-000001.json")
    again = release_publish()
    assert again.number == first.number == 1
    assert release_draw(again) != release_draw(first)
    sigma = release_method.parameters().sigma
    cells = [f"u|0||0|C|company|sme|{m}" for m in release_method.CELL_MEASURES]
    assert [release_method.noise(release_draw(first), c, sigma) for c in cells] != [
        release_method.noise(release_draw(again), c, sigma) for c in cells
    ]
