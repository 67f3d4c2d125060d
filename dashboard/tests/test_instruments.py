import pytest
from django.urls import reverse
from django.utils import timezone

from brochures.instrument_pack import instrument_brochure_publish
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


def test_reach_page_counts_brochures_levels_and_declarations_of_the_pseudo_data_set(
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
    login_staff(client, MinistryUserFactory())
    with django_assert_max_num_queries(20):
        response = client.get(reverse("dashboard:instruments"))
    assert response.status_code == 200
    headline = dict(response.context["reach"].headline)
    values = {str(k): v.value for k, v in headline.items()}
    texts = list(values.values())
    assert texts[0] == 3 and texts[1] == 2 and texts[2] == pytest.approx(66.7) and texts[3] == 2
    declarations = next(t for t in response.context["reach"].tables if t.key == "declarations")
    rows = {label.split()[0]: cells for label, cells in declarations.rows}
    # Four organisations of one profile are published as 3 or 6, one organisation as 0 or 3: the
    # profile sizes are randomly rounded to the base, and every figure is one of the pseudo data set.
    assert rows["A-1"][1].value in (3, 6) and rows["B-2"][1].value in (0, 3)
    assert rows["A-1"][1].text == str(rows["A-1"][1].value)
    endorsed_total = texts[4]
    assert endorsed_total == rows["A-1"][1].value + rows["B-2"][1].value  # no organisation signed both
    again = client.get(reverse("dashboard:instruments"))  # the same data publishes the same figures
    assert [c.text for _l, c in again.context["reach"].headline] == [c.text for c in headline.values()]
    assert "bedrijf" not in response.text.lower()


def test_reach_page_is_for_the_ministry_and_staff_only(client):
    url = reverse("dashboard:instruments")
    assert client.get(url).status_code == 302
    client.force_login(member_of())
    assert client.get(url).status_code == 403
    login_staff(client, StaffUserFactory())
    assert client.get(url).status_code == 200
