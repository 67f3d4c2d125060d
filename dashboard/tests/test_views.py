import csv
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dashboard.releases import release_publish
from declarations.constants import Decision
from declarations.models import DeclarationPersonalData
from missions.constants import RegistrationStatus
from tests.factories import MinistryUserFactory, OrganisationFactory, StaffUserFactory
from tests.mfa import login_staff

from .helpers import attend, make_mission, register

pytestmark = pytest.mark.django_db
URL = "/dashboard/"


@pytest.fixture
def ministry(client, settings):
    # The ministry sees releases only. A budget this large makes the noise negligible, so these tests
    # check the page and CSV on known figures: each cell is its true count, 0 below the base and
    # otherwise rounded to the nearest multiple (the privacy itself: test_release_privacy.py).
    settings.DASHBOARD_RELEASE_RHO_PER_YEAR = 1e9
    login_staff(client, MinistryUserFactory())
    return client


def publish():
    return release_publish()


def cells_of(html: str, section: str) -> list[list[str]]:
    block = html.split(f'id="breakdown-{section}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", block, re.S)[1:]
    return [[unescape(c.strip()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def test_large_company_share_counts_only_large_companies_by_the_rule(ministry):
    mission = make_mission()
    for _ in range(10):
        register(mission, OrganisationFactory(large=True))
    for _ in range(5):
        register(mission, OrganisationFactory(large=True), decision=Decision.NOT_ENDORSED)
    # Many employees but neither threshold of money exceeded: not large under footnote 2.
    almost = OrganisationFactory(
        employees=900, annual_turnover_eur=Decimal("40000000"), balance_sheet_total_eur=Decimal("20000000")
    )
    register(mission, almost, decision=Decision.NOT_ENDORSED)
    for _ in range(10):
        register(mission, OrganisationFactory())  # SMEs, all endorsed
    publish()

    response = ministry.get(URL)
    target = response.context["report"].target
    # 15 large companies, 10 endorsed: profiles of 10 and 5 identical organisations are multiples
    # of the base, so they are published as they are (the one "almost" is an SME).
    assert target["large"].text == "15"
    assert target["large_endorsed"].text == "10"
    assert target["share"].value == pytest.approx(66.7)
    assert target["met"] is False
    assert 'id="target-share" class="fs-2 fw-bold mb-1">66,7%' in response.content.decode()


def test_fewer_than_twice_the_base_of_large_companies_is_no_percentage(ministry):
    mission = make_mission()
    for _ in range(6):
        register(mission, OrganisationFactory())
    publish()
    response = ministry.get(URL)
    target = response.context["report"].target
    assert target["few_large"] is True
    assert target["share"].value is None
    assert "Te weinig grote bedrijven in deze selectie" in response.content.decode()
    register(mission, OrganisationFactory(large=True))
    publish()
    cache.clear()
    again = ministry.get(URL)
    assert again.context["report"].target["large"].text in ("0", "5")  # one company: 0 or 5, never 1
    assert "Te weinig grote bedrijven in deze selectie" in again.content.decode()


def test_every_count_is_a_multiple_of_the_base_on_the_page_and_in_the_csv(ministry):
    mission = make_mission()
    for _ in range(6):
        register(mission, OrganisationFactory(sector="C"))
    for _ in range(2):
        register(mission, OrganisationFactory(sector="A"))
    publish()

    page = ministry.get(URL)
    html = page.content.decode()
    assert "Hoe de cijfers organisaties beschermen" in html and "veelvouden van 5" in html
    rows = {row[0]: row[1:] for row in cells_of(html, "sector")}
    manufacturing = next(v for k, v in rows.items() if k.startswith("C "))
    assert manufacturing[0] in ("5", "10")  # six organisations of one profile: 5 or 10
    agriculture = [v for k, v in rows.items() if k.startswith("A ")]
    # Two organisations: published as 0 (the row is left out) or as 5, never as 2.
    assert agriculture in ([], [["5", "0", "5", "5", "0", "0", "niet getoond", "niet getoond"]])
    for section in page.context["report"].sections:
        for _label, cells in section.rows:
            assert all(cell.value % 5 == 0 for cell in cells[:6])

    filtered = ministry.get(URL, {"sector": "A"})
    headline = {label: cell.text for label, cell, _ in filtered.context["report"].headline}
    assert headline["Deelnemende organisaties"] in ("0", "5")
    assert headline["Aanmeldingen"] == headline["Deelnemende organisaties"]

    export = ministry.get(reverse("dashboard:export"), {"sector": "A"}).content.decode("utf-8-sig")
    assert ";2;" not in export and ";2\r" not in export


def test_csv_holds_exactly_the_figures_shown(ministry):
    mission = make_mission(year=2024)
    for _ in range(7):
        register(mission, OrganisationFactory(large=True))
    publish()
    params = {"year": "2024", "size": "large"}
    page = ministry.get(URL, params)
    html = page.content.decode()
    export = ministry.get(reverse("dashboard:export"), params)
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    for label, cell, _help in page.context["report"].headline:
        assert [label, cell.text] in rows
    for row in cells_of(html, "size_class"):
        assert row in rows
    assert 'href="/dashboard/export.csv?year=2024&amp;size=large"' in html


def test_filters_change_the_figures(ministry):
    early, late = make_mission(year=2024), make_mission(year=2025)
    for _ in range(5):
        register(early)
    for _ in range(10):
        register(late)
    publish()
    all_years = ministry.get(URL).context["report"].headline
    only_2024 = ministry.get(URL, {"year": "2024"}).context["report"].headline
    assert all_years[1][1].text == "15"  # profiles of 5 and 10 organisations are published as they are
    assert only_2024[1][1].text == "5"
    assert only_2024[0][1].text == "1"  # missions in 2024


def test_invalid_filter_is_reported_and_ignored(ministry):
    publish()
    response = ministry.get(URL, {"year": "abc", "sector": "C"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["report"].filters.sector == "C"
    assert response.context["report"].filters.year is None


def test_no_names_emails_or_ips_reach_the_page_or_the_csv(ministry):
    mission = make_mission()
    organisations = [OrganisationFactory(name=f"Geheimbedrijf {i} B.V.") for i in range(6)]
    registrations = [
        register(mission, org, signatory="Henriette Zwartekop", ip="203.0.113.77") for org in organisations
    ]
    assert DeclarationPersonalData.objects.filter(ip_address="203.0.113.77").count() == 6
    attend(registrations[0], name="Barend Verborgen")
    register(mission, decision=None, status=RegistrationStatus.PENDING_SIGNATURE)
    publish()
    emails = [m.user.email for r in registrations for m in r.organisation.memberships.all()]

    for response in (
        ministry.get(URL),
        ministry.get(reverse("dashboard:export")),
        ministry.get(URL, {"mission": mission.pk}),
    ):
        body = response.content.decode("utf-8-sig")
        for secret in ["Henriette", "Zwartekop", "Geheimbedrijf", "Barend", "Verborgen", "203.0.113.77", *emails]:
            assert secret not in body
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", body.split("<footer", 1)[0].replace("@demo", "")) or (
            response.get("Content-Type", "").startswith("text/html")
        )


def test_query_count_is_bounded_whatever_the_data_size(ministry, django_assert_max_num_queries):
    def load(missions: int, per_mission: int):
        for m in range(missions):
            mission = make_mission(year=2020 + m % 5, country=["JP", "IN", "KE"][m % 3])
            for i in range(per_mission):
                register(
                    mission,
                    OrganisationFactory(sector="ACJM"[i % 4], large=i % 3 == 0),
                    decision=[Decision.ENDORSED, Decision.NOT_ENDORSED, None][i % 3],
                )
        publish()

    # The same bound at every size; 16 includes the session's second-factor device and its
    # last-activity write (accounts/middleware.py).
    load(1, 3)
    with django_assert_max_num_queries(16):
        ministry.get(URL)
    load(6, 12)
    with django_assert_max_num_queries(16):
        ministry.get(URL, {"sector": "C"})
    with django_assert_max_num_queries(16):
        ministry.get(reverse("dashboard:export"), {"year": "2021"})


def test_attendance_rate_counts_recorded_attendance(ministry):
    mission = make_mission()
    registrations = [register(mission) for _ in range(15)]
    for r in registrations[:10]:
        attend(r, status="attended")
    for r in registrations[10:]:
        attend(r, status="absent")
    attend(registrations[0], status="invited", name="Nog Niet")
    publish()
    # The ministry's release leaves the rate out: attendance facts carry no organisation, so their
    # contribution to a release cannot be bounded (dashboard/selectors.py).
    headline = {label: cell for label, cell, _ in ministry.get(URL).context["report"].headline}
    assert headline["Opkomst bij voorbereidingsbijeenkomsten"].value is None
    # RVO staff's live view shows it: 10 attended of 15 recorded (the invitation is not recorded yet).
    staff = Client()
    login_staff(staff, StaffUserFactory())
    headline = {label: cell.text for label, cell, _ in staff.get(URL).context["report"].headline}
    assert headline["Opkomst bij voorbereidingsbijeenkomsten"] == "66,7%"


def test_cached_page_follows_a_release(ministry):
    mission = make_mission()
    for _ in range(5):
        register(mission)
    publish()
    assert 'data-figure="2">5<' in ministry.get(URL).content.decode()
    for _ in range(5):
        register(mission)
    assert 'data-figure="2">5<' in ministry.get(URL).content.decode()  # same release, same page
    publish()
    assert 'data-figure="2">10<' in ministry.get(URL).content.decode()


def test_csv_neutralises_formulas_in_mission_titles(ministry):
    """A mission title beginning with '=' must reach the ministry's CSV as text, never as a formula."""
    mission = make_mission(year=2024, title='=HYPERLINK("http://evil.example","klik")')
    for _ in range(6):
        register(mission, OrganisationFactory(large=True))
    publish()
    export = ministry.get(reverse("dashboard:export"), {"year": "2024"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
