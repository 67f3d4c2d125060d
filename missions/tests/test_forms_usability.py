"""The registration forms as a person meets them: errors on the right field and in the summary,
long text refused rather than cut, the step indicator, the check page and the mission page."""

import re

import pytest

from declarations.models import Declaration
from missions.constants import RegistrationStatus as S
from missions.forms import DeclarationForm, ParticipantsForm
from missions.models import Registration
from tests.factories import MembershipFactory, member_of

from .factories import MissionFactory, RegistrationFactory, published_text

pytestmark = pytest.mark.django_db

P1 = {"p1_name": "Anna Bakker", "p1_email": "anna@example.org", "p1_position": "CTO"}


def _errors(form, field):
    return [str(e) for e in form.errors.get(field, [])]


# --- errors on the right field -----------------------------------------------------------------


def test_participant_one_with_a_bad_email_is_told_on_the_email_field():
    form = ParticipantsForm(data={**P1, "p1_email": "anna-at-example", "motivation": "x"})
    assert not form.is_valid()
    assert set(form.errors) == {"p1_email"}
    assert _errors(form, "p1_email") == [
        "Vul het e-mailadres van deelnemer 1 in de juiste vorm in, zoals naam@voorbeeld.nl."
    ]


def test_participant_one_left_empty_gets_a_message_on_each_field():
    form = ParticipantsForm(data={"motivation": "x"})
    assert not form.is_valid()
    assert _errors(form, "p1_name") == ["Vul de naam van deelnemer 1 in."]
    assert _errors(form, "p1_email") == ["Vul het e-mailadres van deelnemer 1 in."]
    assert _errors(form, "p1_position") == ["Vul de functie van deelnemer 1 in."]


def test_a_motivation_left_empty_says_what_to_write():
    form = ParticipantsForm(data={**P1, "motivation": ""})
    assert not form.is_valid()
    assert _errors(form, "motivation") == ["Beschrijf wat uw organisatie met deze missie wil bereiken."]


def test_participant_two_partly_filled_is_told_on_the_missing_fields():
    form = ParticipantsForm(data={**P1, "p2_name": "Bob de Vries", "motivation": "x"})
    assert not form.is_valid()
    assert set(form.errors) == {"p2_email", "p2_position"}
    assert _errors(form, "p2_email") == ["Vul het e-mailadres van deelnemer 2 in, of laat deelnemer 2 helemaal leeg."]
    assert _errors(form, "p2_position") == ["Vul de functie van deelnemer 2 in, of laat deelnemer 2 helemaal leeg."]


def test_participant_two_with_only_a_malformed_email_is_told_what_is_missing_and_what_is_wrong():
    form = ParticipantsForm(data={**P1, "p2_email": "bob@", "motivation": "x"})
    assert not form.is_valid()
    assert set(form.errors) == {"p2_name", "p2_email", "p2_position"}
    assert "juiste vorm" in _errors(form, "p2_email")[0]


def test_the_same_person_twice_is_named():
    form = ParticipantsForm(
        data={**P1, "p2_name": "Anna", "p2_email": "ANNA@example.org", "p2_position": "CEO", "motivation": "x"}
    )
    assert not form.is_valid()
    assert _errors(form, "p2_email") == ["Deelnemer 2 staat al met dit e-mailadres in de lijst."]


def test_a_declaration_decision_left_empty_says_what_to_choose():
    form = DeclarationForm(data={"signatory_name": "Petra", "signatory_position": "CEO", "confirms_authority": "on"})
    assert not form.is_valid()
    assert _errors(form, "decision") == [
        "Kies of uw organisatie de verklaring onderschrijft, of die nog niet kan onderschrijven."
    ]


# --- the wizard: redirect after a failed POST, error summary, long text -----------------------


def _draft(client):
    user = member_of()
    mission = MissionFactory()
    client.force_login(user)
    client.post(f"/missions/{mission.slug}/register/", {"organisation": user.memberships.first().organisation_id})
    registration = Registration.objects.get()
    return registration, f"/missions/{mission.slug}/register/{registration.pk}/step"


def test_a_failed_step_redirects_and_shows_the_input_with_an_error_summary(client):
    registration, base = _draft(client)
    response = client.post(f"{base}/2/", {**P1, "p1_email": "anna-at-example", "motivation": "", "action": "next"})
    # Not rendered in answer to the POST: Back and reload never ask to resubmit.
    assert response.status_code == 302 and response.url == f"{base}/2/"
    page = client.get(response.url).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith("Fout: ")
    summary = re.search(r'<div class="error-summary[^>]*>.*?</div>', page, re.S).group(0)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "Er is een probleem" in summary
    assert 'href="#id_p1_email"' in summary and 'href="#id_motivation"' in summary
    assert 'href="#id_p1_name"' not in summary
    assert 'id="id_p1_email"' in page and 'value="anna-at-example"' in page
    # Shown once: a reload is a fresh form again (the saved draft), without errors.
    again = client.get(f"{base}/2/").content.decode()
    assert "error-summary" not in again and not re.search(r"<title>\s*Fout", again)
    registration.refresh_from_db()
    assert registration.draft_step == 2


def test_too_long_motivation_is_refused_not_cut(client):
    registration, base = _draft(client)
    page = client.get(f"{base}/2/").content.decode()
    textarea = re.search(r"<textarea[^>]*id=\"id_motivation\"[^>]*>", page).group(0)
    # The browser must not cut a pasted text: no maxlength; the limit is shown with a live counter.
    assert "maxlength" not in textarea and 'data-char-limit="3000"' in textarea
    assert "id_motivation_counter" in textarea
    assert re.search(r'id="id_motivation_counter"[^>]*aria-live="polite"', page)
    assert "U kunt maximaal 3000 tekens invullen" in page
    response = client.post(f"{base}/2/", {**P1, "motivation": "m" * 10_000, "action": "next"}, follow=True)
    body = response.content.decode()
    assert "niet meer dan 3000 tekens" in body and "10000" in body
    registration.refresh_from_db()
    assert registration.motivation == "" and registration.draft_step == 2
    # The text typed is offered again in full, to shorten it.
    assert "m" * 10_000 in body


def test_names_over_the_limit_are_refused_not_cut(client):
    _registration, base = _draft(client)
    page = client.get(f"{base}/2/").content.decode()
    assert not re.search(r'<input[^>]*name="p1_name"[^>]*maxlength', page)
    response = client.post(f"{base}/2/", {**P1, "p1_name": "n" * 151, "motivation": "x", "action": "next"}, follow=True)
    assert 'href="#id_p1_name"' in response.content.decode()
    assert not Registration.objects.get().participants.exists()


def test_withdrawal_reason_over_the_limit_is_refused_by_the_service():
    from missions.exceptions import InvalidRegistrationState
    from missions.services import registration_withdraw

    registration = RegistrationFactory(status=S.CONFIRMED)
    admin = MembershipFactory(organisation=registration.organisation, role="admin").user
    with pytest.raises(InvalidRegistrationState) as error:
        registration_withdraw(registration=registration, actor=admin, reason="r" * 2001)
    assert "2000" in str(error.value.message) and "2001" in str(error.value.message)
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED


def test_a_failed_declaration_step_is_shown_again_with_its_answers(client):
    published_text()
    _registration, base = _draft(client)
    client.post(f"{base}/2/", {**P1, "motivation": "x", "action": "next"})
    client.post(f"{base}/3/", {"action": "next"})
    response = client.post(f"{base}/4/", {"signatory_name": "Petra Jansen", "action": "next"})
    assert response.status_code == 302 and response.url == f"{base}/4/"
    page = client.get(response.url).content.decode()
    assert 'href="#id_decision_0"' in page and 'id="id_decision_0"' in page
    assert "Kies of uw organisatie de verklaring onderschrijft" in page
    assert 'value="Petra Jansen"' in page
    assert not Declaration.objects.exists()


def test_optional_fields_are_marked_and_required_ones_have_no_asterisk(client):
    published_text()
    _registration, base = _draft(client)
    page = client.get(f"{base}/2/").content.decode()
    assert "asteriskField" not in page
    # Participant 2 is optional as a whole: its legend says so, its fields do not each say it.
    assert "Deelnemer 2 (niet verplicht)" in page and page.count("(niet verplicht)") == 2
    client.post(f"{base}/2/", {**P1, "motivation": "x", "action": "next"})
    client.post(f"{base}/3/", {"action": "next"})
    page = client.get(f"{base}/4/").content.decode()
    assert "asteriskField" not in page
    # The explanation is required when declining (its help text says so): not marked optional.
    assert "(niet verplicht)" not in page
    page = client.get("/accounts/profile/").content.decode()
    assert "asteriskField" not in page


# --- the step indicator and the check page -----------------------------------------------------


def test_the_step_indicator_is_a_list_of_links_to_completed_steps(client):
    _registration, base = _draft(client)
    client.post(f"{base}/2/", {**P1, "motivation": "x", "action": "next"})
    page = client.get(f"{base}/3/").content.decode()
    nav = re.search(r'<nav aria-labelledby="registration-steps-title".*?</nav>', page, re.S).group(0)
    assert "Stap 3 van 5" in nav and "<ol" in nav
    assert re.search(r'<span[^>]*aria-current="step"[^>]*>3\. ', nav)
    assert f'href="{base}/2/"' in nav and 'href="/missions/' in nav  # steps 1 and 2 are links
    assert f'href="{base}/4/"' not in nav and f'href="{base}/5/"' not in nav
    # Going back to step 2 keeps step 3 reachable from the indicator.
    nav2 = client.get(f"{base}/2/").content.decode()
    assert f'href="{base}/3/"' in nav2 and "Stap 2 van 5" in nav2


def test_the_change_links_on_the_check_page_say_what_they_change(client):
    published_text()
    _registration, base = _draft(client)
    client.post(f"{base}/2/", {**P1, "motivation": "x", "action": "next"})
    client.post(f"{base}/3/", {"action": "next"})
    client.post(
        f"{base}/4/",
        {
            "decision": "endorsed",
            "signatory_name": "Petra",
            "signatory_position": "CEO",
            "confirms_authority": "on",
            "action": "next",
        },
    )
    page = client.get(f"{base}/5/").content.decode()
    assert 'Wijzigen<span class="visually-hidden"> deelnemers en motivatie</span></a>' in page
    assert 'Wijzigen<span class="visually-hidden"> de verklaring</span></a>' in page


# --- the mission page for an organisation that has registered --------------------------------


def test_a_registered_organisation_sees_its_status_instead_of_register(client):
    user = member_of()
    organisation = user.memberships.first().organisation
    mission = MissionFactory()
    client.force_login(user)
    page = client.get(mission.get_absolute_url()).content.decode()
    assert "Registreer uw organisatie" in page
    registration = RegistrationFactory(mission=mission, organisation=organisation, status=S.WAITLISTED)
    Registration.objects.filter(pk=registration.pk).update(waitlist_position=2)
    page = client.get(mission.get_absolute_url()).content.decode()
    assert "Registreer uw organisatie" not in page and "Een andere organisatie aanmelden" not in page
    assert f'href="/my/registrations/{registration.pk}/"' in page
    assert "Wachtlijst" in page or "wachtlijst" in page
    assert "plaats 2 op de wachtlijst" in page


def test_a_member_of_two_organisations_may_still_register_the_other_one(client):
    user = member_of()
    MembershipFactory(user=user)
    mission = MissionFactory()
    RegistrationFactory(mission=mission, organisation=user.memberships.first().organisation, status=S.CONFIRMED)
    client.force_login(user)
    page = client.get(mission.get_absolute_url()).content.decode()
    assert "Een andere organisatie aanmelden" in page and "Registreer uw organisatie" not in page


def test_the_sign_page_redirects_after_a_failed_post_and_keeps_service_errors(client):
    from missions.tests.test_views import _wizard

    published_text()
    signatory = member_of()
    organisation = signatory.memberships.first().organisation
    preparer = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    client.force_login(preparer)
    registration, base = _wizard(client, MissionFactory(), organisation)
    client.post(f"{base}/5/", {"action": "submit"})
    client.force_login(signatory)
    url = f"/my/registrations/{registration.pk}/sign/"
    response = client.post(url, {"decision": "not_endorsed", "signatory_name": "Petra", "confirms_authority": "on"})
    assert response.status_code == 302 and response.url == url
    page = client.get(url).content.decode()
    assert 'href="#id_signatory_position"' in page and 'href="#id_explanation"' in page
    assert 'value="Petra"' in page and "<title>Fout: " in page
    assert not Declaration.objects.exists()
    response = client.post(
        url,
        {"decision": "endorsed", "signatory_name": "Petra", "signatory_position": "CEO", "confirms_authority": "on"},
    )
    registration.refresh_from_db()
    assert response.status_code == 302 and registration.status == S.CONFIRMED
