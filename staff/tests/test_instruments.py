"""The instrument pages of the back-office (/staff/instruments/); access is in ``test_access``."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from brochures.instrument_pack import instrument_brochure_publish
from brochures.models import Rendition
from instruments.models import Instrument
from instruments.tests.factories import InstrumentFactory, PhaseFactory, assess
from instruments.tests.test_imports import GOOD
from tests.factories import StaffUserFactory
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db

SCORES = {"admin_burden": 2, "level_playing_field": 2, "implementation_cost": 2, "imvo_risk": 4, "support_size": 2}


def _assessment_form(**overrides):
    form = {"change_reason": "Eerste beoordeling"}
    for criterion, score in SCORES.items():
        form[criterion] = score
        form[f"{criterion}_reason"] = "Toelichting"
    form.update(overrides)
    return form


def _summary_links(page: str) -> list[str]:
    match = re.search(r'<div class="error-summary[^>]*>.*?</div>', page, re.S)
    return re.findall(r'href="#([^"]+)"', match.group(0)) if match else []


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


@pytest.fixture
def staff_client(client):
    login_staff(client, StaffUserFactory())
    return client


def test_registry_reports_instruments_without_an_imvo_page(staff_client):
    with_page = InstrumentFactory(code="MET-1")
    instrument_brochure_publish(instrument=with_page, request_rendition=False)
    InstrumentFactory(code="ZONDER-1")
    response = staff_client.get(reverse("staff:instrument_list"))
    report = response.context["missing"]
    assert [i.code for i in report] == ["ZONDER-1"] and response.context["missing_count"] == 1
    # The back-office's own navigation, instruments marked as the current section.
    assert 'aria-current="page" href="/staff/instruments/"' in response.text
    assert reverse("brochures:manage") in response.text


def test_staff_assess_and_publish_through_the_pages(staff_client):
    instrument = InstrumentFactory(sectors="C")
    phase = PhaseFactory(effective_from=timezone.localdate())
    response = staff_client.post(reverse("staff:instrument_assess", args=[instrument.pk]), _assessment_form())
    assert response.status_code == 302
    missing_awb = staff_client.post(
        reverse("staff:instrument_level", args=[instrument.pk]), {"level": 2, "phase": phase.pk, "purpose_1": "Doel"}
    )
    assert missing_awb.status_code == 400
    instrument.refresh_from_db()
    assert instrument.published_level is None
    ok = staff_client.post(
        reverse("staff:instrument_level", args=[instrument.pk]),
        {"level": 2, "phase": phase.pk, "purpose_1": "Doel", "purpose_2": "Doel 2"},
    )
    assert ok.status_code == 302
    instrument.refresh_from_db()
    assert instrument.published_level == 2 and instrument.level_now == 2
    earlier = staff_client.get(reverse("staff:instrument_assessment", args=[instrument.pk, 1]))
    assert earlier.status_code == 200 and "Eerste beoordeling" in earlier.text


def test_the_level_form_shows_every_missing_field_at_once_and_keeps_the_values(staff_client):
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="C")
    assess(instrument, staff, size=2, risk=4)  # suggests level 2
    url = reverse("staff:instrument_level", args=[instrument.pk])
    response = staff_client.post(url, {"level": 4, "purpose_2": "Bewaarde tekst"})
    page = response.content.decode()
    assert response.status_code == 400 and _title(page).startswith("Fout:")
    assert _summary_links(page) == ["id_phase", "id_higher_reason", "id_purpose_1", "id_purpose_3", "id_purpose_4"]
    assert "Bewaarde tekst" in page
    instrument.refresh_from_db()
    assert instrument.published_level is None


def test_the_level_form_marks_what_the_chosen_level_needs(staff_client):
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="C")
    assess(instrument, staff, size=2, risk=4)
    assert instrument.assessments.get().suggested_level == 2
    form = staff_client.get(reverse("staff:instrument_level", args=[instrument.pk])).context["form"]
    required = {name for name, field in form.fields.items() if field.required}
    assert required == {"level", "phase", "purpose_1", "purpose_2"}
    page = staff_client.get(reverse("staff:instrument_level", args=[instrument.pk])).content.decode()
    # Nothing that a level can need is called optional; the others say from which level on.
    assert "(niet verplicht)" not in page
    assert "Verplicht vanaf niveau 3." in page and "Verplicht vanaf niveau 4." in page
    # Level 0 needs nothing but the level.
    response = staff_client.post(reverse("staff:instrument_level", args=[instrument.pk]), {"level": 0})
    assert response.status_code == 302


def test_the_assessment_form_shows_every_error_at_once(staff_client):
    instrument = InstrumentFactory(sectors="C")  # suggested IMVO risk 4 (sector C, kind subsidy)
    form = _assessment_form(imvo_risk=5, admin_burden_reason="", change_reason="")
    response = staff_client.post(reverse("staff:instrument_assess", args=[instrument.pk]), form)
    page = response.content.decode()
    assert response.status_code == 400 and _title(page).startswith("Fout:")
    assert _summary_links(page) == ["id_admin_burden_reason", "id_risk_override_reason", "id_change_reason"]
    assert not instrument.assessments.exists()


def test_the_preview_shows_the_level_of_the_scores_without_saving(staff_client):
    instrument = InstrumentFactory(sectors="C")
    url = reverse("staff:instrument_assess", args=[instrument.pk])
    # need 2×4+2 = 10, restraint 2: 8 points → level 2 (rules.framework_level)
    response = staff_client.post(url, {**SCORES, "preview": "1", "change_reason": "Half af"})
    page = response.content.decode()
    assert response.status_code == 200 and response.context["preview"].level == 2
    assert "Deze scores geven niveau 2." in page and "Half af" in page
    assert not _summary_links(page) and not _title(page).startswith("Fout")
    assert not instrument.assessments.exists()
    heavier = staff_client.post(url, {**SCORES, "imvo_risk": 5, "support_size": 5, "preview": "1"})
    assert heavier.context["preview"].level == 4
    incomplete = staff_client.post(url, {"imvo_risk": 4, "preview": "1"})
    assert incomplete.context["preview"] is None and "js/level_preview.js" in incomplete.content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("staff:instrument_create", {"code": ""}),
        ("staff:instrument_phase_create", {"number": "x"}),
    ],
)
def test_every_instrument_form_shows_the_error_summary(staff_client, name, data):
    response = staff_client.post(reverse(name), data)
    page = response.content.decode()
    assert response.status_code == 400 and _title(page).startswith("Fout:") and len(_summary_links(page)) > 1
    assert "novalidate" in page  # the browser does not stop at the first empty field


def test_staff_import_page_dry_run_and_errors(staff_client):
    upload = SimpleUploadedFile("lijst.csv", GOOD.encode(), content_type="text/csv")
    response = staff_client.post(reverse("staff:instrument_import"), {"file": upload, "dry_run": "on"})
    assert response.status_code == 200 and response.context["report"].count("create") == 2
    assert Instrument.objects.count() == 0
    bad = SimpleUploadedFile("lijst.csv", GOOD.replace("subsidy", "lottery").encode(), content_type="text/csv")
    response = staff_client.post(reverse("staff:instrument_import"), {"file": bad})
    assert response.status_code == 400 and "lottery" in response.text
    missing = staff_client.post(reverse("staff:instrument_import"), {})
    assert _summary_links(missing.content.decode()) == ["id_file"]


def test_staff_action_refreshes_every_instrument_brochure_in_the_worker(staff_client):
    InstrumentFactory.create_batch(3)
    url = reverse("staff:instrument_brochures_refresh")
    response = staff_client.post(url)  # Celery is eager in tests: the task runs now
    assert response.status_code == 302 and response["Location"] == reverse("staff:instrument_list")
    assert Instrument.objects.filter(imvo_brochure__isnull=True).count() == 0
    assert Rendition.objects.filter(version__brochure__kind="instrument").count() == 6


def test_the_instrument_list_has_a_bounded_number_of_queries(staff_client, django_assert_max_num_queries):
    InstrumentFactory.create_batch(60)
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("staff:instrument_list"))
    assert response.status_code == 200 and len(response.context["instruments"]) == 50
