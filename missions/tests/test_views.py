from datetime import timedelta

import pytest
from django.utils import timezone

from declarations.models import Declaration
from missions.constants import RegistrationStatus as S
from missions.models import Registration
from tests.factories import MembershipFactory, OrganisationFactory, member_of

from .factories import MissionFactory, PreparationSessionFactory, RegistrationFactory, published_text

pytestmark = pytest.mark.django_db


def _wizard(client, mission, organisation, *, declaration=None):
    response = client.post(f"/missions/{mission.slug}/register/", {"organisation": organisation.pk})
    assert response.status_code == 302, response.content
    registration = Registration.objects.get(mission=mission, organisation=organisation)
    base = f"/missions/{mission.slug}/register/{registration.pk}/step"
    response = client.post(
        f"{base}/2/",
        {
            "p1_name": "Anna Bakker",
            "p1_email": "anna@example.org",
            "p1_position": "CTO",
            "motivation": "Samenwerken",
            "action": "next",
        },
    )
    assert response.status_code == 302
    client.post(f"{base}/3/", {"action": "next"})
    client.post(
        f"{base}/4/",
        {
            **(
                declaration
                or {
                    "decision": "endorsed",
                    "signatory_name": "Petra",
                    "signatory_position": "Directeur",
                    "confirms_authority": "on",
                }
            ),
            "action": "next",
        },
    )
    return registration, base


def test_catalogue_filters_search_and_empty_state(client):
    MissionFactory(title_nl="Waterstof Japan", theme="energy", country="JP")
    MissionFactory(title_nl="Textiel India", theme="circular", country="IN")
    MissionFactory(title_nl="Verborgen concept", status="draft")
    MissionFactory(title_nl="Afgelopen missie", registration_closes_at=timezone.now() - timedelta(days=1))
    page = client.get("/missions/").content.decode()
    assert "Waterstof Japan" in page and "Textiel India" in page and "Verborgen concept" not in page
    assert "Textiel" not in client.get("/missions/?theme=energy").content.decode()
    assert "Afgelopen missie" not in client.get("/missions/?state=open").content.decode()
    assert "Waterstof" in client.get("/missions/?q=waterstof").content.decode()
    assert client.get("/missions/?theme=bogus").status_code == 200
    assert "mission-list" not in client.get("/missions/?q=nietsgevonden").content.decode()


@pytest.mark.parametrize("count", [3, 300])
def test_catalogue_and_detail_query_count_is_bounded(client, django_assert_max_num_queries, count):
    missions = MissionFactory.create_batch(count)
    for mission in missions[:3]:
        PreparationSessionFactory(mission=mission)
        RegistrationFactory(mission=mission, status=S.CONFIRMED)
    user = member_of()
    client.force_login(user)
    with django_assert_max_num_queries(12):
        assert client.get("/missions/").status_code == 200
    page = 2 if count > 10 else 1  # ten missions a page
    with django_assert_max_num_queries(12):
        response = client.get(f"/missions/?page={page}&state=open")
    assert response.status_code == 200 and len(response.context["missions"]) == min(10, count - 10 * (page - 1))
    with django_assert_max_num_queries(12):
        assert client.get(f"/missions/{missions[0].slug}/").status_code == 200


def test_detail_hides_drafts_and_shows_register_button(client):
    assert client.get(f"/missions/{MissionFactory(status='draft').slug}/").status_code == 404
    mission = MissionFactory()
    PreparationSessionFactory(mission=mission, title_nl="Voorbereidingssessie A")
    page = client.get(f"/missions/{mission.slug}/").content.decode()
    assert "Voorbereidingssessie A" in page and f"/missions/{mission.slug}/register/" in page
    assert 'href="/brochures/imvo/"' not in page  # no brochure published: no link (brochures/tests/test_providers.py)


def test_full_registration_by_signatory(client):
    published_text()
    user = member_of()
    organisation = user.memberships.first().organisation
    mission = MissionFactory()
    client.force_login(user)
    registration, base = _wizard(client, mission, organisation)
    review = client.get(f"{base}/5/").content.decode()
    assert "Anna Bakker" in review
    response = client.post(f"{base}/5/", {"action": "submit"})
    assert response.status_code == 302 and response.url == f"/my/registrations/{registration.pk}/"
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED
    # Replayed form: nothing new happens.
    response = client.post(f"{base}/5/", {"action": "submit"})
    assert response.status_code == 302
    assert Declaration.objects.count() == 1
    overview = client.get("/my/").content.decode()
    assert mission.title_nl in overview and f"/declarations/{registration.current_declaration_id}/receipt/" in overview
    # A second try shows the existing registration.
    response = client.post(f"/missions/{mission.slug}/register/", {"organisation": organisation.pk})
    assert response.url == f"/my/registrations/{registration.pk}/"


def test_back_keeps_input_of_step_two(client):
    user = member_of()
    mission = MissionFactory()
    client.force_login(user)
    client.post(f"/missions/{mission.slug}/register/", {"organisation": user.memberships.first().organisation_id})
    registration = Registration.objects.get()
    base = f"/missions/{mission.slug}/register/{registration.pk}/step"
    client.post(f"{base}/2/", {"p1_name": "Half ingevuld", "motivation": "", "action": "back"})
    assert "Half ingevuld" in client.get(f"{base}/2/").content.decode()


def test_forged_organisation_id_is_refused(client):
    user = member_of()
    stranger = OrganisationFactory()
    mission = MissionFactory()
    client.force_login(user)
    response = client.post(f"/missions/{mission.slug}/register/", {"organisation": stranger.pk})
    assert response.status_code == 200
    assert not Registration.objects.exists()
    response = client.post(f"/missions/{mission.slug}/register/", {"organisation": "abc"})
    assert response.status_code == 200


def test_other_organisations_registration_is_404(client):
    published_text()
    owner = member_of()
    mission = MissionFactory()
    client.force_login(owner)
    registration, base = _wizard(client, mission, owner.memberships.first().organisation)
    client.force_login(member_of())
    for url in (
        f"{base}/2/",
        f"/my/registrations/{registration.pk}/",
        f"/my/registrations/{registration.pk}/withdraw/",
        f"/my/registrations/{registration.pk}/sign/",
        f"/missions/{mission.slug}/register/{registration.pk}/imvo-brochure/",
    ):
        assert client.get(url).status_code == 404, url


def test_closed_window_and_full_mission(client):
    published_text()
    user = member_of()
    client.force_login(user)
    closed = MissionFactory(registration_closes_at=timezone.now() - timedelta(hours=1))
    response = client.get(f"/missions/{closed.slug}/register/")
    assert response.status_code == 302 and response.url == f"/missions/{closed.slug}/"
    full = MissionFactory(capacity_min=1, capacity_max=1)
    RegistrationFactory(mission=full, status=S.CONFIRMED)
    assert "Wachtlijst" in client.get(f"/missions/{full.slug}/").content.decode()
    registration, base = _wizard(client, full, user.memberships.first().organisation)
    client.post(f"{base}/5/", {"action": "submit"})
    registration.refresh_from_db()
    assert (registration.status, registration.waitlist_position) == (S.WAITLISTED, 1)


def test_decline_without_explanation_keeps_the_answers(client):
    published_text()
    user = member_of()
    client.force_login(user)
    mission = MissionFactory()
    registration, base = _wizard(
        client,
        mission,
        user.memberships.first().organisation,
        declaration={
            "decision": "not_endorsed",
            "signatory_name": "Petra",
            "signatory_position": "Directeur",
            "confirms_authority": "on",
        },
    )
    response = client.get(f"{base}/5/")
    assert response.status_code == 302  # step 5 not reached: the explanation was missing
    response = client.post(
        f"{base}/4/",
        {
            "decision": "not_endorsed",
            "signatory_name": "Petra",
            "signatory_position": "Directeur",
            "confirms_authority": "on",
            "action": "next",
        },
    )
    # Redirect after the failed POST: the page is shown again with GET, with the answers and the error.
    assert response.status_code == 302 and response.url == f"{base}/4/"
    page = client.get(response.url).content.decode()
    assert "Petra" in page and 'href="#id_explanation"' in page


def test_non_signatory_cannot_sign_via_the_sign_page(client):
    published_text()
    signatory = member_of()
    organisation = signatory.memberships.first().organisation
    preparer = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    mission = MissionFactory()
    client.force_login(preparer)
    registration, base = _wizard(client, mission, organisation)
    client.post(f"{base}/5/", {"action": "submit"})
    registration.refresh_from_db()
    assert registration.status == S.PENDING_SIGNATURE
    response = client.post(
        f"/my/registrations/{registration.pk}/sign/",
        {"decision": "endorsed", "signatory_name": "X", "signatory_position": "Y", "confirms_authority": "on"},
    )
    assert response.status_code == 302 and not Declaration.objects.exists()
    client.force_login(signatory)
    response = client.post(
        f"/my/registrations/{registration.pk}/sign/",
        {
            "decision": "endorsed",
            "signatory_name": "Petra",
            "signatory_position": "Directeur",
            "confirms_authority": "on",
        },
    )
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED


def test_brochure_opening_without_a_brochure_keeps_the_registration_going(client):
    user = member_of()
    mission = MissionFactory()
    client.force_login(user)
    client.post(f"/missions/{mission.slug}/register/", {"organisation": user.memberships.first().organisation_id})
    registration = Registration.objects.get()
    response = client.get(f"/missions/{mission.slug}/register/{registration.pk}/imvo-brochure/")
    assert response.status_code == 302 and response.url.endswith("/step/3/")
    registration.refresh_from_db()
    assert registration.imvo_brochure_opened_at is None


def test_withdraw_via_my(client):
    published_text()
    user = member_of()
    client.force_login(user)
    registration, base = _wizard(client, MissionFactory(), user.memberships.first().organisation)
    client.post(f"{base}/5/", {"action": "submit"})
    response = client.post(f"/my/registrations/{registration.pk}/withdraw/", {"reason": ""})
    assert response.status_code == 200
    client.post(f"/my/registrations/{registration.pk}/withdraw/", {"reason": "Planning"})
    registration.refresh_from_db()
    assert registration.status == S.WITHDRAWN


def test_a_page_number_past_the_end_is_not_found(client):
    MissionFactory.create_batch(3)
    assert client.get("/missions/?page=2").status_code == 404


def test_a_member_who_is_neither_admin_nor_signatory_cannot_withdraw(client):
    published_text()
    admin = member_of()
    organisation = admin.memberships.first().organisation
    client.force_login(admin)
    registration, base = _wizard(client, MissionFactory(), organisation)
    client.post(f"{base}/5/", {"action": "submit"})
    plain = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    client.force_login(plain)
    page = client.get(f"/my/registrations/{registration.pk}/").content.decode()
    assert f"/my/registrations/{registration.pk}/withdraw/" not in page
    assert client.get(f"/my/registrations/{registration.pk}/withdraw/").status_code == 403
    assert client.post(f"/my/registrations/{registration.pk}/withdraw/", {"reason": "Weg"}).status_code == 403
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED
    client.force_login(member_of())  # a stranger does not even learn that it exists
    assert client.get(f"/my/registrations/{registration.pk}/withdraw/").status_code == 404


def test_a_signature_is_reused_through_the_wizard_and_linked_in_the_evidence(client):
    published_text()
    user = member_of()
    organisation = user.memberships.first().organisation
    client.force_login(user)
    first, base = _wizard(client, MissionFactory(), organisation)
    client.post(f"{base}/5/", {"action": "submit"})
    first.refresh_from_db()
    earlier = first.current_declaration
    second_mission = MissionFactory()
    second, base = _wizard(client, second_mission, organisation, declaration={"decision": ""})
    step4 = client.get(f"{base}/4/").content.decode()
    assert f'value="{earlier.pk}"' in step4  # the re-use offer
    assert 'value="Directeur"' in step4  # the same signatory: their position is offered again
    response = client.post(f"{base}/4/", {"action": "reuse", "reused_from": str(earlier.pk), "reuse_position": "CEO"})
    assert response.status_code == 302 and response.url.endswith("/step/5/")
    client.post(f"{base}/5/", {"action": "submit"})
    second.refresh_from_db()
    record = second.current_declaration
    assert second.status == S.CONFIRMED
    assert record.pk != earlier.pk and record.reused_from_id == earlier.pk
    assert record.text_version == earlier.text_version and record.decision == "endorsed"
    assert record.user == user and record.personal.signatory_position == "CEO"


def test_without_a_published_declaration_text_the_signatory_is_told_and_nothing_is_recorded(client):
    user = member_of()
    client.force_login(user)
    registration, base = _wizard(client, MissionFactory(), user.memberships.first().organisation)
    response = client.post(f"{base}/4/", {"decision": "endorsed", "action": "next"}, follow=True)
    assert "Er is nog geen gepubliceerde tekst van de verklaring" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == S.DRAFT and not Declaration.objects.exists()


def test_signing_is_rate_limited_per_user(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "declaration_sign": "2/h"}
    published_text()
    user = member_of()
    client.force_login(user)
    _registration, base = _wizard(client, MissionFactory(), user.memberships.first().organisation)  # 1 signature
    assert client.post(f"{base}/5/", {"action": "back"}).status_code == 302  # going back is not counted
    assert client.post(f"{base}/4/", {"decision": "", "action": "next"}).url == f"{base}/4/"  # 2: failed, back to 4
    response = client.post(f"{base}/5/", {"action": "submit"})  # 3: over the limit
    assert response.status_code == 429 and response.has_header("Retry-After")
    assert Declaration.objects.count() == 0
