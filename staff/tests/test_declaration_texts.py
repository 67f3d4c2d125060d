"""RVO staff publish a new version of the declaration text of one kind, in both languages at once."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from declarations.demo import text_body
from declarations.models import DeclarationText
from declarations.selectors import declaration_text_current
from declarations.services import declaration_text_publish
from tests.factories import StaffUserFactory
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db

NEW_NL = "Wij onderschrijven de OESO-richtlijnen bij de aanvraag voor {undertaking}, versie twee."
NEW_EN = "We endorse the OECD Guidelines when applying for {undertaking}, version two."


@pytest.fixture
def staff_client(client):
    for language in ("nl", "en"):
        declaration_text_publish(version=1, language=language, kind="subsidy", body=text_body("subsidy", language))
    login_staff(client, StaffUserFactory())
    return client


def test_the_list_shows_every_kind_with_its_current_version(staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        page = staff_client.get(reverse("staff:declaration_texts")).text
    for label in ("Subsidie", "Innovatiemissie", "Fiscale regeling", "Lening, garantie of krediet"):
        assert label in page
    assert reverse("staff:declaration_text_publish", args=["subsidy"]) in page


def test_publishing_a_new_version_is_used_for_new_declarations_and_keeps_the_old_one(staff_client):
    url = reverse("staff:declaration_text_publish", args=["subsidy"])
    form = staff_client.get(url).text
    assert "bij de aanvraag voor de subsidie {undertaking}" in form  # prefilled with the current wording
    data = {"body_nl": NEW_NL, "body_en": NEW_EN, "oecd_edition": "2023", "confirm": "on"}
    response = staff_client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("staff:declaration_texts")
    current = declaration_text_current(kind="subsidy", language="nl")
    assert (current.version, current.body) == (2, NEW_NL)
    assert declaration_text_current(kind="subsidy", language="en").body == NEW_EN
    assert DeclarationText.objects.get(kind="subsidy", version=1, language="nl").body == text_body("subsidy", "nl")
    assert declaration_text_current(kind="mission", language="nl") is None  # other kinds untouched
    published = AuditEvent.objects.filter(action="declaration_text.publish", details__kind="subsidy")
    assert sorted(published.values_list("details__version", flat=True)) == [1, 1, 2, 2]  # the fixture published v1


def test_every_problem_is_shown_at_once_and_the_typed_text_is_kept(staff_client):
    url = reverse("staff:declaration_text_publish", args=["subsidy"])
    data = {"body_nl": "Geen naam van de regeling.", "body_en": text_body("subsidy", "en"), "oecd_edition": ""}
    response = staff_client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Fout: " in page
    assert "schrijf {undertaking}" in page.lower() or "{undertaking}" in page
    assert "Geen naam van de regeling." in page  # kept
    form = response.context["form"]
    assert set(form.errors) == {"body_nl", "body_en", "oecd_edition", "confirm"}
    assert DeclarationText.objects.filter(kind="subsidy").count() == 2  # nothing published


def test_an_unknown_kind_is_not_found(staff_client):
    assert staff_client.get("/staff/declaration-texts/lottery/new/").status_code == 404
