"""The public instrument pages are cached for anonymous visitors per language and canonical query
string, and retired by every write that changes what they show."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brochures.instrument_pack import instrument_brochure_publish
from instruments import resources
from instruments.constants import PAGE_CACHE_NAMESPACE
from instruments.models import Instrument
from instruments.services import (
    application_start,
    instrument_save,
    instruments_import_csv,
    level_publish,
    phase_save,
)
from instruments.services.imports import COLUMNS
from tests.factories import StaffUserFactory, member_of

from .factories import InstrumentFactory, PhaseFactory, assess, links

pytestmark = pytest.mark.django_db

LIST = reverse("instruments:list")


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def no_brochure_refresh(monkeypatch):
    """Without the brochures' provider an instrument change does not republish its IMVO brochure,
    so only the instrument services themselves can retire the pages."""
    monkeypatch.setattr(resources, "_providers", [])


def _entries() -> int:
    """Pages of the instruments namespace stored in the shared cache (the tests' local memory)."""
    return sum(1 for key in cache._cache if f"pagecache:{PAGE_CACHE_NAMESPACE}:" in key)


def _rename_behind_the_services(instrument, name):
    """A change no service made: a cached page keeps showing the old name."""
    Instrument.objects.filter(pk=instrument.pk).update(name_nl=name)


def _in_force(instrument, staff, *, level=2, days=-1):
    assess(instrument, staff, size=2)
    phase = PhaseFactory(effective_from=timezone.localdate() + timedelta(days=days))
    level_publish(instrument=instrument, actor=staff, level=level, purpose_links=links(level), phase=phase)
    return phase


def test_a_cached_hit_makes_no_database_query(client, django_assert_num_queries):
    instrument = InstrumentFactory(name_nl="Groeifaciliteit", kind="subsidy")
    InstrumentFactory(name_nl="Innovatiekrediet", kind="loan")
    detail = instrument.get_absolute_url()
    for url in (LIST, f"{LIST}?kind=subsidy", detail):
        first = client.get(url)
        assert first.status_code == 200 and "Groeifaciliteit" in first.text
        with django_assert_num_queries(0):
            cached = client.get(url)
        assert cached.status_code == 200 and cached.content == first.content and not cached.cookies
    assert "Innovatiekrediet" not in client.get(f"{LIST}?kind=subsidy").text  # the filter is in the key
    _rename_behind_the_services(instrument, "Andere naam")
    assert "Groeifaciliteit" in client.get(detail).text


def test_two_languages_are_separate_entries(client, django_assert_num_queries):
    instrument = InstrumentFactory(name_nl="Groeifaciliteit", name_en="Growth facility")
    for url in (LIST, instrument.get_absolute_url()):
        dutch = client.get(url)
        english = client.get(url, HTTP_COOKIE="django_language=en")
        assert "Groeifaciliteit" in dutch.text and '<html lang="nl">' in dutch.text
        assert "Growth facility" in english.text and '<html lang="en">' in english.text
        with django_assert_num_queries(0):
            assert client.get(url, HTTP_COOKIE="django_language=en").content == english.content
            assert client.get(url).content == dutch.content


def test_instrument_edit_and_create_retire_the_pages(client, no_brochure_refresh, django_capture_on_commit_callbacks):
    staff = StaffUserFactory()
    instrument = InstrumentFactory(name_nl="Groeifaciliteit")
    detail = instrument.get_absolute_url()
    for url in (LIST, detail):
        client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        instrument_save(actor=staff, instrument=instrument, data={"name_nl": "Groeifaciliteit Plus"})
    assert "Groeifaciliteit Plus" in client.get(detail).text
    assert "Groeifaciliteit Plus" in client.get(LIST).text
    with django_capture_on_commit_callbacks(execute=True):
        instrument_save(
            actor=staff,
            data={
                "code": "RVO-NIEUW",
                "name_nl": "Nieuwe regeling",
                "name_en": "New scheme",
                "summary_nl": "Samenvatting.",
                "summary_en": "Summary.",
                "kind": "subsidy",
                "policy_area": "innovation",
            },
        )
    assert "Nieuwe regeling" in client.get(LIST).text


def test_an_import_retires_the_pages(client, no_brochure_refresh, django_capture_on_commit_callbacks):
    InstrumentFactory(name_nl="Bestaande regeling")
    client.get(LIST)
    content = ",".join(COLUMNS) + "\nRVO-9,Geimporteerde regeling,Imported scheme,Samenvatting,Summary,loan,innovation,"
    content += "sme,,,nee,C,,open,\n"
    with django_capture_on_commit_callbacks(execute=True):
        report = instruments_import_csv(actor=StaffUserFactory(), content=content.encode(), dry_run=False)
    assert report.written and "Geimporteerde regeling" in client.get(LIST).text


def test_a_level_decision_retires_the_pages(client, no_brochure_refresh, django_capture_on_commit_callbacks):
    instrument = InstrumentFactory()
    detail = instrument.get_absolute_url()
    assert 'id="apply-h"' not in client.get(detail).text
    assert instrument.name_nl not in client.get(LIST, {"stage": "in_force"}).text
    with django_capture_on_commit_callbacks(execute=True):
        _in_force(instrument, StaffUserFactory())
    assert 'id="apply-h"' in client.get(detail).text  # level 2 in force: applicants are asked to act
    assert instrument.name_nl in client.get(LIST, {"stage": "in_force"}).text


def test_a_roll_out_phase_change_retires_the_pages(client, no_brochure_refresh, django_capture_on_commit_callbacks):
    staff = StaffUserFactory()
    instrument = InstrumentFactory()
    phase = _in_force(instrument, staff, days=30)
    detail = instrument.get_absolute_url()
    assert phase.name_nl in client.get(detail).text and 'id="apply-h"' not in client.get(detail).text
    assert instrument.name_nl not in client.get(LIST, {"stage": "in_force"}).text
    with django_capture_on_commit_callbacks(execute=True):
        phase_save(actor=staff, phase=phase, data={"name_nl": "Versnelde fase"})  # a name only
    assert "Versnelde fase" in client.get(detail).text
    with django_capture_on_commit_callbacks(execute=True):
        phase_save(actor=staff, phase=phase, data={"effective_from": timezone.localdate()})  # the date
    assert 'id="apply-h"' in client.get(detail).text
    assert instrument.name_nl in client.get(LIST, {"stage": "in_force"}).text


def test_an_instrument_brochure_publication_retires_the_pages(client, django_capture_on_commit_callbacks):
    instrument = InstrumentFactory(name_nl="Groeifaciliteit")
    with django_capture_on_commit_callbacks(execute=True):
        instrument_brochure_publish(instrument=instrument, request_rendition=False)
    imvo = reverse("instrument_imvo:page", args=[instrument.slug])
    urls = (LIST, instrument.get_absolute_url(), imvo)
    for url in urls:
        assert "Groeifaciliteit" in client.get(url).text
    _rename_behind_the_services(instrument, "Exportkrediet")
    for url in urls:
        assert "Exportkrediet" not in client.get(url).text  # still the cached pages
    instrument.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        instrument_brochure_publish(instrument=instrument, request_rendition=False)
    for url in urls:
        assert "Exportkrediet" in client.get(url).text


def test_junk_query_strings_are_redirected_and_never_become_entries(client):
    instrument = InstrumentFactory(kind="subsidy")
    for url in (LIST, f"{LIST}?kind=subsidy", instrument.get_absolute_url()):
        assert client.get(url).status_code == 200
    stored = _entries()
    assert stored == 3
    for query, canonical in [
        ("utm_source=nieuwsbrief", ""),
        ("q=&kind=subsidy&policy_area=&stage=", "kind=subsidy"),
        ("stage=&kind=subsidy", "kind=subsidy"),
        ("kind=loan&kind=subsidy", "kind=subsidy"),
        ("kind=subsidy&x=" + "a" * 40, "kind=subsidy"),
        ("page=1", ""),
        ("page=abc", ""),
        ("page=02", "page=2"),
        ("q=++waterstof+++japan", "q=waterstof+japan"),
    ]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 302, query
        assert response["Location"] == (f"{LIST}?{canonical}" if canonical else LIST)
    detail = instrument.get_absolute_url()
    assert client.get(f"{detail}?ref=mail")["Location"] == detail
    assert client.get(f"{LIST}?page=7").status_code == 404  # beyond the last page: not stored
    assert client.get(f"{LIST}?kind=onbekend").status_code == 200  # a warning for this visitor: not stored
    for word in ("water", "wind", "zon"):  # free text is unbounded: searches are live, never stored
        assert client.get(LIST, {"q": word}).status_code == 200
    assert _entries() == stored


def test_a_search_is_live(client):
    instrument = InstrumentFactory(name_nl="Waterstofregeling")
    assert "Waterstofregeling" in client.get(LIST, {"q": "waterstof"}).text
    _rename_behind_the_services(instrument, "Waterstofregeling twee")
    assert "Waterstofregeling twee" in client.get(LIST, {"q": "waterstof"}).text


@pytest.mark.parametrize("anonymous_first", [True, False])
def test_a_logged_in_page_is_never_served_to_an_anonymous_visitor_nor_the_reverse(client, anonymous_first):
    instrument = InstrumentFactory()
    _in_force(instrument, StaffUserFactory())
    user = member_of()
    application_start(
        instrument=instrument, organisation=user.memberships.get().organisation, reference="MIT-2026-00001", actor=user
    )
    member = Client()
    member.force_login(user)
    url = instrument.get_absolute_url()
    for _ in range(2):
        pages = [client.get(url), member.get(url)] if anonymous_first else [member.get(url), client.get(url)][::-1]
        anonymous, own = (page.text for page in pages)
        assert "MIT-2026-00001" in own and 'name="reference"' in own
        assert "MIT-2026-00001" not in anonymous and 'name="reference"' not in anonymous
