import pytest
from django.urls import reverse
from django.utils import timezone

from brochures.instrument_pack import instrument_brochure_publish
from dashboard import release_method
from dashboard.releases import release_draw, release_publish
from declarations.constants import Decision
from declarations.services import DeclarationInput
from instruments.services import application_declaration_sign, application_start, level_publish
from instruments.tests.factories import InstrumentFactory, PhaseFactory, assess, links
from missions.tests.factories import published_text
from organisations.models import Organisation
from tests.factories import MinistryUserFactory, StaffUserFactory, member_of
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db


def _sign(instrument, n):
    for i in range(n):
        user = member_of()
        organisation = Organisation.objects.get(memberships__user=user)
        application = application_start(
            instrument=instrument, organisation=organisation, reference=f"R-{i}", actor=user
        )
        application_declaration_sign(
            application=application,
            actor=user,
            answer=DeclarationInput(
                decision=Decision.ENDORSED, signatory_name="A", signatory_position="B", confirms_authority=True
            ),
        )


def test_reach_page_shows_the_release_to_the_ministry_and_live_counts_to_staff(
    client, settings, django_assert_max_num_queries
):
    settings.DASHBOARD_MIN_CELL = 3
    staff = StaffUserFactory()
    published_text(kind="subsidy")
    one, two = InstrumentFactory(sectors="C", code="A-1"), InstrumentFactory(sectors="C", code="B-2")
    InstrumentFactory(code="C-3")
    for instrument in (one, two):
        instrument_brochure_publish(instrument=instrument, request_rendition=False)
        assess(instrument, staff, size=2)
        level_publish(
            instrument=instrument,
            actor=staff,
            level=2,
            purpose_links=links(2),
            phase=PhaseFactory(effective_from=timezone.localdate()),
        )
        instrument.refresh_from_db()
    _sign(one, 4)
    _sign(two, 1)
    ministry = MinistryUserFactory()
    login_staff(client, ministry)
    empty = client.get(reverse("dashboard:instruments"))
    assert empty.context["reach"] is None and 'id="release-empty"' in empty.text

    # RVO staff see the live, exact organisation counts.
    login_staff(client, staff)
    live = client.get(reverse("dashboard:instruments"))
    declarations = next(t for t in live.context["reach"].tables if t.key == "declarations")
    rows = {label.split()[0]: cells for label, cells in declarations.rows}
    assert (rows["A-1"][1].value, rows["B-2"][1].value) == (4, 1)
    assert live.context["reach"].headline[4][1].value == 5  # organisations that endorsed for any instrument

    release = release_publish()
    login_staff(client, ministry)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("dashboard:instruments"))
    assert response.status_code == 200
    headline = dict(response.context["reach"].headline)
    values = {str(k): v.value for k, v in headline.items()}
    texts = list(values.values())
    assert texts[0] == 3 and texts[1] == 2 and texts[2] == pytest.approx(66.7) and texts[3] == 2
    declarations = next(t for t in response.context["reach"].tables if t.key == "declarations")
    rows = {label.split()[0]: cells for label, cells in declarations.rows}
    # The organisation counts are the release's noisy cells, recomputed here from the key, the
    # release number and salt and the true counts (4 and 1 endorsed; 5 endorsed any).
    params = release_method.parameters()
    expected = release_method.released_instruments(
        [one.pk, two.pk],
        {f"i|{one.pk}|endorsed": 4, f"i|{two.pk}|endorsed": 1, "i|endorsed_any": 5},
        release_draw(release),
        params,
    )
    assert rows["A-1"][1].value == expected.get(f"i|{one.pk}|endorsed", 0)
    assert rows["B-2"][1].value == expected.get(f"i|{two.pk}|endorsed", 0)
    assert texts[4] == expected.get("i|endorsed_any", 0)
    assert all(v.value % 3 == 0 for v in (rows["A-1"][1], rows["B-2"][1]))
    assert f"publicatie {release.number}" in response.text  # "Cijfers van …, publicatie N" (Dutch default)
    assert "bedrijf" not in response.text.lower()
