import pytest

from instruments.constants import InstrumentKind, PolicyArea
from instruments.demo import seed
from instruments.models import Instrument
from missions.demo_data import DEMO_MISSIONS
from missions.tests.factories import MissionFactory
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_demo_has_at_least_210_instruments_spread_over_kinds_and_areas_and_is_idempotent():
    StaffUserFactory(email="rvo@demo.example")
    missions = [MissionFactory(slug=demo["slug"]) for demo in DEMO_MISSIONS[:2]]
    other = MissionFactory()  # e.g. one of generate_volume's synthetic missions
    log = []
    seed(companies=1, password="x", log=log.append)
    count = Instrument.objects.count()
    assert count >= 212
    kinds = set(Instrument.objects.values_list("kind", flat=True))
    areas = set(Instrument.objects.values_list("policy_area", flat=True))
    assert kinds == set(InstrumentKind.values) and areas == set(PolicyArea.values)
    for mission in missions:
        linked = Instrument.objects.get(mission=mission)
        assert linked.kind == InstrumentKind.MISSION and linked.name_nl == mission.title_nl
    assert not Instrument.objects.filter(mission=other).exists()  # the demo missions only
    assert Instrument.objects.filter(published_level__gte=2).exists()
    seed(companies=1, password="x", log=log.append)
    assert Instrument.objects.count() == count
    assert Instrument.objects.values("slug").distinct().count() == count
