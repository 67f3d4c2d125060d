"""The staff brochure list: search, filters, pages, readable row titles, bounded queries."""

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from brochures.constants import PDF_TEMPLATE_VERSION, BrochureKind, RenditionStatus, VersionStatus
from brochures.models import Brochure, BrochureVersion, Rendition
from instruments.tests.factories import InstrumentFactory
from tests.factories import StaffUserFactory
from tests.mfa import login_staff

from .factories import published_brochure

pytestmark = pytest.mark.django_db


def _instrument_brochure(instrument, *, languages=("nl", "en"), versions=1, draft=False):
    brochure = Brochure.objects.create(
        slug=f"imvo-{instrument.slug}", kind=BrochureKind.INSTRUMENT, instrument=instrument
    )
    for language in languages:
        for number in range(1, versions + 1):
            sha = hashlib.sha256(f"{brochure.slug}{language}{number}".encode()).hexdigest()
            version = BrochureVersion.objects.create(
                brochure=brochure,
                language=language,
                number=number,
                status=VersionStatus.PUBLISHED,
                published_at=timezone.now(),
                title=f"IMVO-informatie {instrument.code}",
                content_sha256=sha,
            )
            Rendition.objects.create(
                version=version,
                content_sha256=sha,
                language=language,
                template_version=PDF_TEMPLATE_VERSION,
                status=RenditionStatus.DONE,
            )
        if draft:
            BrochureVersion.objects.create(
                brochure=brochure, language=language, title="Concept", content_sha256="0" * 64
            )
    return brochure


@pytest.fixture
def staff_client(client):
    login_staff(client, StaffUserFactory())
    return client


def _titles(response) -> list[str]:
    return [str(row.brochure.display_name) for row in response.context["rows"]]


def test_a_page_has_a_bounded_number_of_queries_and_names_each_instrument(staff_client, django_assert_max_num_queries):
    for instrument in InstrumentFactory.create_batch(60):
        _instrument_brochure(instrument, versions=3, draft=True)
    url = reverse("brochures:manage")
    with django_assert_max_num_queries(12):
        response = staff_client.get(url)
    assert response.status_code == 200 and response.context["paginator"].count == 60
    rows = response.context["rows"]
    assert len(rows) == 50  # 25 brochures, two languages each
    assert all(row.current.number == 3 and row.draft and row.rendition.status == "done" for row in rows)
    first = rows[0].brochure.instrument
    assert f"IMVO-brochure: {first.name_nl} ({first.code})" in response.text
    assert "IMVO-brochure van een instrument<br>" not in response.text  # the kind is no row title
    assert 'href="?page=2"' in response.text
    with django_assert_max_num_queries(12):
        last = staff_client.get(url, {"page": 3})
    assert len(last.context["rows"]) == 20


def test_search_on_code_name_and_title(staff_client):
    one = InstrumentFactory(code="MIT-01", name_nl="Kennisvoucher", name_en="Knowledge voucher")
    two = InstrumentFactory(code="DEI-22", name_nl="Demonstratieregeling", name_en="Demonstration scheme")
    _instrument_brochure(one)
    _instrument_brochure(two)
    published_brochure(title="Gids voor ketens")
    url = reverse("brochures:manage")
    assert _titles(staff_client.get(url, {"q": "mit-01"})) == ["IMVO-brochure: Kennisvoucher (MIT-01)"] * 2
    assert set(_titles(staff_client.get(url, {"q": "demonstration"}))) == {
        "IMVO-brochure: Demonstratieregeling (DEI-22)"
    }
    assert _titles(staff_client.get(url, {"q": "ketens"})) == ["IMVO-brochure"] * 2


def test_filters_on_kind_language_and_state(staff_client):
    published = InstrumentFactory(code="PUB-1")
    _instrument_brochure(published)
    with_draft = InstrumentFactory(code="CON-1")
    _instrument_brochure(with_draft, languages=("nl",), draft=True)
    published_brochure()
    url = reverse("brochures:manage")

    kinds = staff_client.get(url, {"kind": BrochureKind.IMVO})
    assert {row.brochure.kind for row in kinds.context["rows"]} == {BrochureKind.IMVO}
    english = staff_client.get(url, {"language": "en"}).context["rows"]
    assert {row.language for row in english} == {"en"} and len(english) == 3
    drafts = staff_client.get(url, {"state": "draft"}).context["rows"]
    assert {row.brochure.instrument.code for row in drafts} == {"CON-1"}
    # In English the brochures of CON-1 and the general IMVO brochure were never published; in
    # Dutch everything was.
    never = staff_client.get(url, {"state": "unpublished", "language": "en"}).context["rows"]
    assert {(row.brochure.slug, row.language) for row in never} == {("imvo", "en"), (f"imvo-{with_draft.slug}", "en")}
    assert not staff_client.get(url, {"state": "unpublished", "language": "nl"}).context["rows"]
    # An invalid filter value is ignored, not an error.
    response = staff_client.get(url, {"kind": "nonsense"})
    assert response.status_code == 200 and len(response.context["brochures"]) == 3


def test_empty_states(staff_client):
    url = reverse("brochures:manage")
    page = staff_client.get(url).content.decode()
    assert 'id="brochures-empty"' in page and "Er zijn nog geen brochures." in page
    published_brochure()
    page = staff_client.get(url, {"q": "bestaat-niet"}).content.decode()
    assert "Geen brochures gevonden" in page and f'href="{url}"' in page


def test_the_list_is_in_the_back_office_menu(staff_client):
    page = staff_client.get(reverse("brochures:manage")).content.decode()
    assert 'aria-current="page" href="/brochures/manage/"' in page
    assert reverse("staff:instrument_list") in page and reverse("staff:mission_list") in page


def test_missions_without_a_pack_are_the_ones_not_ended(staff_client):
    from datetime import timedelta

    from missions.tests.factories import MissionFactory

    today = timezone.localdate()
    MissionFactory(title_nl="Lang voorbij", starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=395))
    coming = MissionFactory(
        title_nl="Binnenkort", starts_on=today + timedelta(days=20), ends_on=today + timedelta(days=25)
    )
    response = staff_client.get(reverse("brochures:manage"))
    assert [m.pk for m in response.context["missions_without_pack"]] == [coming.pk]
    assert response.context["missions_without_pack_count"] == 1
