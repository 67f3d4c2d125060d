"""The brochures app offers its links to mission pages through ``missions.resources``: the links
on a mission page point at brochures that exist, and opening the IMVO brochure from a
registration records the exact version."""

import pytest

from brochures.constants import BrochureKind
from brochures.services import brochure_get_or_create
from missions.models import Registration
from missions.tests.factories import MissionFactory
from tests.factories import member_of

from .factories import published_brochure

pytestmark = pytest.mark.django_db


def test_mission_page_links_the_imvo_brochure_and_the_mission_pack_and_both_answer(client):
    mission = MissionFactory()
    published_brochure(slug="imvo")
    brochure_get_or_create(slug=f"missie-{mission.slug}", kind=BrochureKind.MISSION_PACK, mission=mission)
    published_brochure(slug=f"missie-{mission.slug}", kind=BrochureKind.MISSION_PACK, title="Missiebrochure")
    page = client.get(f"/missions/{mission.slug}/").content.decode()
    assert 'href="/brochures/imvo/"' in page
    assert f'href="/brochures/missie-{mission.slug}/"' in page
    assert f'href="/brochures/{mission.slug}/"' not in page  # the old broken link
    assert client.get("/brochures/imvo/").status_code == 200
    assert client.get(f"/brochures/missie-{mission.slug}/").status_code == 200


def test_opening_the_imvo_brochure_from_a_registration_records_the_version(client):
    _brochure, version = published_brochure(slug="imvo")
    user = member_of()
    mission = MissionFactory()
    client.force_login(user)
    client.post(f"/missions/{mission.slug}/register/", {"organisation": user.memberships.first().organisation_id})
    registration = Registration.objects.get()
    response = client.get(f"/missions/{mission.slug}/register/{registration.pk}/imvo-brochure/")
    step3 = f"/missions/{mission.slug}/register/{registration.pk}/step/3/"
    assert response.status_code == 302 and response.url == "/brochures/imvo/?return=" + step3.replace("/", "%2F")
    # The brochure leads back to the registration.
    page = client.get(response.url).content.decode()
    assert page.count(f'href="{step3}"') == 2
    registration.refresh_from_db()
    assert registration.imvo_brochure_opened_at is not None
    assert registration.imvo_brochure_version == f"imvo/nl/v{version.number}/{version.content_sha256[:12]}"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/accounts/logout/",
        "/missions/",
        "javascript:alert(1)",
    ],
)
def test_the_brochure_back_link_only_returns_to_a_registration_step(client, target):
    published_brochure(slug="imvo")
    page = client.get("/brochures/imvo/", {"return": target}).content.decode()
    assert "link-back" not in page and "Back to your registration" not in page
