from datetime import UTC, date, datetime, timedelta

import pytest

from brochures.constants import BrochureKind, VersionStatus
from brochures.mission_pack import mission_pack_publish
from brochures.models import BrochureVersion
from missions.models import Mission, PreparationSession
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission():
    lead = StaffUserFactory(full_name="Rianne van Oost", email="rianne@rvo.example")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    mission = Mission.objects.create(
        slug="waterstof-japan",
        title_nl="Waterstof Japan",
        title_en="Hydrogen Japan",
        summary_nl="Kort.",
        summary_en="Short.",
        description_nl="Missie naar **Japan**.",
        description_en="Mission to **Japan**.",
        programme_nl="Dag 1: Tokio\nDag 2: Kobe",
        programme_en="Day 1: Tokyo\nDay 2: Kobe",
        country="JP",
        city_nl="Tokio",
        city_en="Tokyo",
        starts_on=date(2026, 5, 10),
        ends_on=date(2026, 5, 15),
        registration_opens_at=start - timedelta(days=30),
        registration_closes_at=start,
        lead_contact=lead,
    )
    PreparationSession.objects.create(
        mission=mission,
        title_nl="IMVO-voorbereiding",
        title_en="IMVO preparation",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="RVO Den Haag",
    )
    return mission


def test_mission_pack_is_generated_from_the_missions_own_data(mission):
    brochure = mission_pack_publish(mission=mission)
    assert brochure.kind == BrochureKind.MISSION_PACK and brochure.mission == mission
    nl = BrochureVersion.objects.get(brochure=brochure, language="nl", status=VersionStatus.PUBLISHED)
    sections = {s.title: s.body for s in nl.sections.all()}
    assert nl.title == "Informatiepakket: Waterstof Japan"
    assert "- Dag 1: Tokio" in sections["Programma"]
    assert "IMVO-voorbereiding" in sections["Voorbereidingsbijeenkomsten"]
    assert "RVO Den Haag" in sections["Voorbereidingsbijeenkomsten"]
    assert "rianne@rvo.example" in sections["Contact"]
    assert "Tokio, Japan" in sections["Over deze missie"]
    assert any("IMVO" in title for title in sections)  # the IMVO chapter of the general brochure
    en = BrochureVersion.objects.get(brochure=brochure, language="en", status=VersionStatus.PUBLISHED)
    assert "- Day 1: Tokyo" in {s.title: s.body for s in en.sections.all()}["Programme"]


def test_regenerating_an_unchanged_pack_publishes_nothing_new(mission):
    brochure = mission_pack_publish(mission=mission)
    mission_pack_publish(mission=mission)
    assert BrochureVersion.objects.filter(brochure=brochure, language="nl").count() == 1
    mission.programme_nl += "\nDag 3: Osaka"
    mission.save()
    mission_pack_publish(mission=mission)
    assert BrochureVersion.objects.filter(brochure=brochure, language="nl", status=VersionStatus.PUBLISHED).count() == 2
