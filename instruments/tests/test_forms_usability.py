"""The applicant's forms as a person meets them: the portal's error pattern (summary with links,
title "Fout:", what was typed kept, shown once after a redirect), one message per problem, and
never one of Django's default messages."""

import pytest
from django.urls import reverse
from django.utils import translation

from declarations.models import Declaration
from instruments.forms import (
    ApplicationStartForm,
    ConfirmReadForm,
    InstrumentDeclarationForm,
    ReuseDeclarationForm,
    SelfAssessmentForm,
)
from instruments.models import InstrumentApplication
from missions.tests.factories import published_text
from organisations.models import Membership, Organisation
from tests.factories import MembershipFactory, member_of

from .journey import instrument_at, started, summary, title

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch():
    """Forms built outside a request speak the thread's language: these tests read Dutch messages."""
    with translation.override("nl"):
        yield


#: Django's own messages (Dutch and English) that a company user must never read.
DJANGO_DEFAULTS = (
    "Dit veld is verplicht",
    "This field is required",
    "Selecteer een geldige keuze",
    "Select a valid choice",
    "Zorg ervoor dat",
    "Ensure this value",
    "Voer een geheel getal in",
    "Enter a whole number",
)


def _errors(form, field):
    return [str(e) for e in form.errors.get(field, [])]


def _start_form(data):
    user = member_of()
    return ApplicationStartForm(data=data, memberships=list(Membership.objects.filter(user=user)))


# --- one clear message per problem ------------------------------------------------------------


def test_an_over_long_reference_gets_one_message_that_says_by_how_much():
    form = _start_form({"reference": "R" * 45})
    assert not form.is_valid()
    assert _errors(form, "reference") == [
        "Het kenmerk van de aanvraag mag ten hoogste 40 tekens lang zijn; het zijn er nu 45."
    ]


def test_a_malformed_reference_gets_one_message_with_an_example():
    form = _start_form({"reference": "#!"})
    assert not form.is_valid()
    [message] = _errors(form, "reference")
    assert "MIT-2026-01234" in message and "3 tot 40" in message


def test_a_reference_with_spaces_is_tidied_not_refused():
    user = member_of()
    memberships = list(Membership.objects.filter(user=user))
    form = ApplicationStartForm(
        data={"organisation": memberships[0].organisation_id, "reference": "  MIT  2026 01 "}, memberships=memberships
    )
    assert form.is_valid() and form.cleaned_data["reference"] == "MIT 2026 01"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_company_form_shows_a_django_default_message(language):
    from django.utils import translation

    long = "x" * 5000
    cases = [
        _start_form({"organisation": "999999", "reference": ""}),
        ConfirmReadForm(data={}),
        InstrumentDeclarationForm(data={"decision": "maybe"}),
        InstrumentDeclarationForm(data={"signatory_name": long, "signatory_position": long, "explanation": long}),
        ReuseDeclarationForm(data={"reused_from": "1", "reuse_position": ""}),
        ReuseDeclarationForm(data={"reused_from": "1", "reuse_position": long}),
        ReuseDeclarationForm(data={"reused_from": "x", "reuse_position": "CFO"}),
        ReuseDeclarationForm(data={"reuse_position": "CFO"}),
        SelfAssessmentForm(data={"policy": "maybe", "notes": long}),
    ]
    with translation.override(language):
        for form in cases:
            assert not form.is_valid()
            for field, messages in form.errors.items():
                for message in messages:
                    assert not any(default in message for default in DJANGO_DEFAULTS), (field, message)


def test_limits_name_the_field_and_the_count():
    form = InstrumentDeclarationForm(data={"signatory_name": "n" * 151})
    assert not form.is_valid()
    assert _errors(form, "signatory_name") == ["Uw naam mag ten hoogste 150 tekens lang zijn; het zijn er nu 151."]


def test_each_unanswered_question_is_named():
    form = SelfAssessmentForm(data={"policy": "yes", "risks": "yes", "measures": "yes", "monitoring": "yes"})
    assert not form.is_valid()
    assert set(form.errors) == {"communication"}
    assert _errors(form, "communication") == [
        "Kies een antwoord op de vraag: Rapporteert u over uw aanpak, en kunnen mensen zorgen melden?"
    ]


# --- the pages: redirect after a failed post, the summary, what was typed ---------------------


def test_a_failed_start_comes_back_to_the_start_page_with_the_summary_and_the_typed_value(client):
    instrument = instrument_at(1)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    client.force_login(user)
    url = reverse("instruments:apply", args=[instrument.slug])
    response = client.post(url, {"organisation": organisation.pk, "reference": "R" * 45})
    assert response.status_code == 302 and response.url == url
    page = client.get(url).content.decode()
    assert title(page).startswith("Fout: ")
    box = summary(page)
    assert 'role="alert"' in box and 'tabindex="-1"' in box and 'href="#id_reference"' in box
    assert box.count("<li>") == 1 and "ten hoogste 40 tekens" in box
    assert f'value="{"R" * 45}"' in page  # kept in full, to shorten it
    assert not InstrumentApplication.objects.exists()
    # Shown once: a reload is a fresh form.
    again = client.get(url).content.decode()
    assert not summary(again) and not title(again).startswith("Fout")
    response = client.post(url, {"organisation": organisation.pk, "reference": "MIT-2026-7"})
    assert response.status_code == 302 and InstrumentApplication.objects.get().reference == "MIT-2026-7"


def test_the_instrument_page_start_form_lets_the_server_check(client):
    instrument = instrument_at(1)
    client.force_login(member_of())
    page = client.get(instrument.get_absolute_url()).content.decode()
    form = page[page.index(f'action="{reverse("instruments:apply", args=[instrument.slug])}"') :]
    form = form[: form.index("</form>")]
    assert "novalidate" in page and "maxlength" not in form


def test_a_failed_read_confirmation_is_shown_in_the_summary(client):
    application, user = started(1)
    client.force_login(user)
    response = client.post(reverse("instruments:application_read", args=[application.pk]), {})
    url = reverse("instruments:application", args=[application.pk])
    assert response.status_code == 302 and response.url == url
    page = client.get(url).content.decode()
    assert title(page).startswith("Fout: ") and 'href="#id_confirm"' in summary(page)
    assert "Vink het vakje aan om te bevestigen" in summary(page)
    assert not summary(client.get(url).content.decode())


def test_a_failed_declaration_keeps_its_answers_and_names_each_problem(client):
    published_text(kind="subsidy")
    application, user = started(2)
    client.force_login(user)
    sign = reverse("instruments:application_sign", args=[application.pk])
    response = client.post(sign, {"decision": "not_endorsed", "signatory_name": "Petra Jansen"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    box = summary(page)
    assert title(page).startswith("Fout: ")
    for anchor in ("id_signatory_position", "id_confirms_authority", "id_explanation"):
        assert f'href="#{anchor}"' in box, anchor
    assert 'href="#id_decision_0"' not in box and 'value="Petra Jansen"' in page
    assert "Vul uw functie in." in box
    assert not Declaration.objects.exists()


def test_a_failed_reuse_is_shown_in_the_summary(client):
    published_text(kind="subsidy")
    application, signer = started(2)
    client.force_login(signer)
    client.post(reverse("instruments:application_read", args=[application.pk]), {"confirm": "on"})
    answer = {"decision": "endorsed", "signatory_name": "A", "signatory_position": "CEO", "confirms_authority": "on"}
    client.post(reverse("instruments:application_sign", args=[application.pk]), answer)
    earlier = Declaration.objects.get()
    second, _ = started(2, user=signer, reference="MIT-2026-2")
    sign = reverse("instruments:application_sign", args=[second.pk])
    client.post(sign, {"action": "reuse", "reused_from": earlier.pk, "reuse_position": ""})
    page = client.get(reverse("instruments:application", args=[second.pk])).content.decode()
    assert 'href="#id_reuse_position"' in summary(page)
    assert "Vul uw functie in om de eerdere verklaring opnieuw te bevestigen." in summary(page)
    # An earlier declaration that no longer qualifies: a form-wide error in the summary, nothing written.
    client.post(sign, {"action": "reuse", "reused_from": earlier.pk + 100, "reuse_position": "CFO"})
    page = client.get(reverse("instruments:application", args=[second.pk])).content.decode()
    assert summary(page) and 'value="CFO"' in page
    assert Declaration.objects.count() == 1


def test_a_failed_self_assessment_lists_the_open_questions_and_keeps_the_notes(client):
    application, user = started(3)
    client.force_login(user)
    response = client.post(
        reverse("instruments:application_self_assessment", args=[application.pk]),
        {"policy": "yes", "notes": "Onze aanpak"},
    )
    page = client.get(response.url).content.decode()
    box = summary(page)
    assert box.count("<li>") == 4 and 'href="#id_risks_0"' in box and "Kies een antwoord op de vraag: " in box
    assert "Onze aanpak" in page
    assert not application.self_assessments.exists()


def test_a_person_without_an_organisation_is_told_what_to_do_first(client):
    instrument = instrument_at(1)
    user = MembershipFactory().user
    Membership.objects.filter(user=user).delete()
    client.force_login(user)
    page = client.get(reverse("instruments:apply", args=[instrument.slug])).content.decode()
    assert "Alleen leden van een organisatie" in page and '<form method="post" action="/instruments/' not in page


@pytest.mark.django_db
def test_a_taken_code_or_phase_number_gets_the_portals_own_message_not_djangos():
    from instruments.forms import InstrumentForm, PhaseForm

    from .factories import InstrumentFactory, PhaseFactory

    taken = InstrumentFactory(code="WBSO-1")
    form = InstrumentForm(
        data={
            "code": taken.code,
            "name_nl": "Nieuw",
            "name_en": "New",
            "kind": taken.kind,
            "policy_area": taken.policy_area,
            "status": taken.status,
        }
    )
    assert not form.is_valid()
    assert form.errors["code"] == [
        "Een ander instrument heeft deze code al. Codes van RVO zijn uniek: controleer de code."
    ]
    phase = PhaseFactory()
    form = PhaseForm(
        data={"number": phase.number, "name_nl": "Fase", "name_en": "Phase", "effective_from": "2027-01-01"}
    )
    assert not form.is_valid()
    assert "eenzelfde" not in str(form.errors) and "Er is al een fase met dit nummer" in str(form.errors)
