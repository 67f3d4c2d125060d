from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from brochures.constants import RenditionStatus
from brochures.instrument_pack import instrument_brochure_publish
from brochures.models import Rendition
from brochures.services import rendition_render
from declarations.constants import Decision
from declarations.models import Declaration
from instruments.models import Instrument, InstrumentApplication
from instruments.services import application_start, level_publish
from missions.tests.factories import published_text
from organisations.models import Organisation
from tests.factories import StaffUserFactory, member_of

from .factories import InstrumentFactory, PhaseFactory, assess, links

pytestmark = pytest.mark.django_db


def test_catalogue_lists_searches_filters_and_paginates(client, django_assert_max_num_queries):
    InstrumentFactory.create_batch(25, kind="subsidy")
    InstrumentFactory(kind="loan", name_nl="Innovatiekrediet", name_en="Innovation credit")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("instruments:list"))
    assert response.status_code == 200 and "26" in response.text
    assert client.get(reverse("instruments:list"), {"page": 2}).status_code == 200
    response = client.get(reverse("instruments:list"), {"q": "innovatiekrediet"})
    assert "Innovatiekrediet" in response.text and "Regeling 1<" not in response.text
    response = client.get(reverse("instruments:list"), {"kind": "loan"})
    assert "Innovatiekrediet" in response.text and "Regeling" not in response.text
    assert "conditions" not in client.get(reverse("instruments:list"), {"stage": "in_force"}).context["instruments"]


def test_stage_filter_follows_the_phase_date(client):
    staff = StaffUserFactory()
    now = InstrumentFactory(sectors="C", name_nl="Nu geldend")
    later = InstrumentFactory(sectors="C", name_nl="Later geldend")
    for instrument, days in ((now, -1), (later, 30)):
        assess(instrument, staff, size=2)
        phase = PhaseFactory(effective_from=timezone.localdate() + timedelta(days=days))
        level_publish(instrument=instrument, actor=staff, level=2, purpose_links=links(2), phase=phase)

    def names(stage):
        return {i.name_nl for i in client.get(reverse("instruments:list"), {"stage": stage}).context["instruments"]}

    assert names("in_force") == {"Nu geldend"}
    assert names("planned") == {"Later geldend"}
    page = client.get(reverse("instruments:detail", args=[later.slug])).text
    assert "Now: information only" in page or "Nu: alleen informatie" in page


@pytest.mark.parametrize("language", ["nl", "en"])
def test_instrument_page_links_an_imvo_page_with_a_pdf_the_worker_makes(
    client, language, django_capture_on_commit_callbacks
):
    instrument = InstrumentFactory(sectors="B", countries="CD", name_nl="Mijnbouwregeling", name_en="Mining scheme")
    client.cookies["django_language"] = language
    page = client.get(reverse("instruments:detail", args=[instrument.slug]))
    imvo = reverse("instrument_imvo:page", args=[instrument.slug])
    assert page.status_code == 200 and imvo in page.text
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(imvo)
    assert response.status_code == 200
    title = "IMVO-informatie: Mijnbouwregeling" if language == "nl" else "IMVO information: Mining scheme"
    assert title in response.text
    assert ("conflictmineralen" if language == "nl" else "conflict minerals") in response.text
    assert response.context["version"].language == language
    pdf_url = reverse("instrument_imvo:pdf", args=[instrument.slug])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pending = client.get(pdf_url)
    assert pending.status_code == 202 and callbacks  # the worker is asked; the request renders nothing
    rendition = Rendition.objects.get(content_sha256=response.context["version"].content_sha256, language=language)
    assert rendition.status == RenditionStatus.PENDING
    rendition_render(rendition_id=rendition.pk)  # what the worker does
    done = client.get(pdf_url)
    assert done.status_code == 200 and done["Content-Type"] == "application/pdf"


def test_brochure_is_rendered_once_per_content_and_again_only_when_it_changes(django_capture_on_commit_callbacks):
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="C")
    with django_capture_on_commit_callbacks(execute=False):
        instrument_brochure_publish(instrument=instrument)
    assert Rendition.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=False):
        instrument_brochure_publish(instrument=instrument)
    assert Rendition.objects.count() == 2
    assess(instrument, staff, size=2)
    with django_capture_on_commit_callbacks(execute=False):
        level_publish(instrument=instrument, actor=staff, level=2, purpose_links=links(2), phase=PhaseFactory())
        instrument.refresh_from_db()
        instrument_brochure_publish(instrument=instrument)
    assert Rendition.objects.count() == 4  # the conditions section changed in both languages


def test_batch_goes_on_after_a_failure(monkeypatch):
    from brochures import instrument_pack

    good = InstrumentFactory(code="A-1")
    bad = InstrumentFactory(code="B-1")
    original = instrument_pack.instrument_imvo_text

    def broken(*, instrument, language, general=None):
        if instrument.pk == bad.pk:
            raise RuntimeError("broken template")
        return original(instrument=instrument, language=language, general=general)

    monkeypatch.setattr(instrument_pack, "instrument_imvo_text", broken)
    InstrumentFactory(code="C-1")
    result = instrument_pack.instrument_brochures_publish_all(request_rendition=False)
    assert result.published == 2 and [code for code, _ in result.failed] == ["B-1"]
    assert hasattr(Instrument.objects.get(pk=good.pk), "imvo_brochure")


def test_company_signs_the_declaration_for_a_level_two_instrument(client):
    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = InstrumentFactory(sectors="C")
    assess(instrument, staff, size=2)
    level_publish(
        instrument=instrument,
        actor=staff,
        level=2,
        purpose_links=links(2),
        phase=PhaseFactory(effective_from=timezone.localdate()),
    )
    user = member_of()
    client.force_login(user)
    organisation = Organisation.objects.get(memberships__user=user)
    response = client.post(
        reverse("instruments:apply", args=[instrument.slug]),
        {"organisation": organisation.pk, "reference": "MIT-2026-42"},
    )
    application = InstrumentApplication.objects.get(reference="MIT-2026-42")
    assert response.status_code == 302 and application.level == 2
    assert (
        client.post(reverse("instruments:application_read", args=[application.pk]), {"confirm": "on"}).status_code
        == 302
    )
    answer = {
        "decision": Decision.ENDORSED,
        "signatory_name": "A. de Vries",
        "signatory_position": "CEO",
        "confirms_authority": "on",
    }
    assert client.post(reverse("instruments:application_sign", args=[application.pk]), answer).status_code == 302
    declaration = Declaration.objects.for_subject(application).get()
    assert declaration.subject_snapshot["framework_level"] == 2
    assert declaration.subject_snapshot["reference"] == "MIT-2026-42"
    page = client.get(reverse("instruments:application", args=[application.pk]))
    assert reverse("declarations:receipt", args=[declaration.pk]) in page.text
    # Another organisation's user learns nothing.
    client.force_login(member_of())
    assert client.get(reverse("instruments:application", args=[application.pk])).status_code == 404
    assert client.post(reverse("instruments:application_sign", args=[application.pk]), answer).status_code == 404


def test_a_colleague_reuses_the_endorsement_for_another_application_under_their_own_name(client):
    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = InstrumentFactory(sectors="C")
    assess(instrument, staff, size=2)
    level_publish(
        instrument=instrument,
        actor=staff,
        level=2,
        purpose_links=links(2),
        phase=PhaseFactory(effective_from=timezone.localdate() - timedelta(days=1)),
    )
    instrument.refresh_from_db()
    signer = member_of()
    organisation = Organisation.objects.get(memberships__user=signer)
    first = application_start(instrument=instrument, organisation=organisation, reference="R-1", actor=signer)
    client.force_login(signer)
    client.post(reverse("instruments:application_read", args=[first.pk]), {"confirm": "on"})
    answer = {"decision": Decision.ENDORSED, "signatory_name": "A. de Vries", "signatory_position": "CEO"}
    client.post(reverse("instruments:application_sign", args=[first.pk]), {**answer, "confirms_authority": "on"})
    earlier = Declaration.objects.for_subject(first).get()
    colleague = member_of(organisation, user__full_name="Karel Collega")
    second = application_start(instrument=instrument, organisation=organisation, reference="R-2", actor=colleague)
    client.force_login(colleague)
    client.post(reverse("instruments:application_read", args=[second.pk]), {"confirm": "on"})
    page = client.get(reverse("instruments:application", args=[second.pk])).text
    assert f'name="reused_from" value="{earlier.pk}"' in page and 'name="reuse_position"' in page
    sign_url = reverse("instruments:application_sign", args=[second.pk])
    client.post(sign_url, {"action": "reuse", "reused_from": earlier.pk, "reuse_position": ""})
    assert not Declaration.objects.for_subject(second).exists()  # a position is needed
    client.post(sign_url, {"action": "reuse", "reused_from": earlier.pk, "reuse_position": "CFO"})
    record = Declaration.objects.for_subject(second).get()
    assert record.user == colleague and record.reused_from == earlier
    assert record.personal.signatory_name == "Karel Collega" and record.personal.signatory_position == "CFO"


def test_beat_leaves_superseded_instrument_versions_to_on_demand_rendering(django_capture_on_commit_callbacks):
    from brochures.services import renditions_queue_missing

    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="C")
    instrument_brochure_publish(instrument=instrument, request_rendition=False)
    assess(instrument, staff, size=2)
    with django_capture_on_commit_callbacks(execute=False):
        level_publish(instrument=instrument, actor=staff, level=2, purpose_links=links(2), phase=PhaseFactory())
    instrument.refresh_from_db()
    instrument_brochure_publish(instrument=instrument, request_rendition=False)  # version 2, both languages
    with django_capture_on_commit_callbacks(execute=False):
        renditions_queue_missing()
    rendered = set(Rendition.objects.values_list("version__number", flat=True))
    assert rendered == {2} and Rendition.objects.count() == 2


def test_an_instruments_pages_take_the_same_few_queries_however_many_instruments_there_are(
    client, settings, django_assert_max_num_queries
):
    """The detail and IMVO pages of a published instrument: bounded, and not growing with the registry."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAGE_CACHE_SECONDS = 0  # measure the view, not the page cache
    staff = StaffUserFactory()
    phase = PhaseFactory()

    def instrument_with_a_level():
        instrument = InstrumentFactory(sectors="C")
        assess(instrument, staff, size=2)
        level_publish(instrument=instrument, actor=staff, level=2, purpose_links=links(2), phase=phase)
        instrument.refresh_from_db()
        instrument_brochure_publish(instrument=instrument, request_rendition=False)
        return instrument

    measured = instrument_with_a_level()
    pages = [reverse("instruments:detail", args=[measured.slug]), reverse("instrument_imvo:page", args=[measured.slug])]

    def counts() -> list[int]:
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found.append(len(captured))
        return found

    counts()  # first requests warm what a process keeps (language, sites)
    before = counts()
    for _ in range(12):
        instrument_with_a_level()
    with django_assert_max_num_queries(20):
        assert client.get(pages[1]).status_code == 200
    assert counts() == before, f"queries grew with the registry: {before} -> {counts()}"
