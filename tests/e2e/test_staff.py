"""The RVO back-office in Chromium, as rvo@demo.example: create and publish a mission, see company
registrations arrive, plan a session, tick the IMVO agenda, invite, record attendance, add a
follow-up for the organisation that declined the declaration, export XLSX; axe on every page."""

import io
import re
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from declarations.constants import Decision
from declarations.selectors import declaration_text_current
from missions import services as mission_services
from missions.constants import AttendanceStatus, RegistrationStatus
from missions.models import Attendance, Mission, Registration
from organisations.models import Membership
from staff.constants import ImvoTopic
from staff.models import AgendaItem, FollowUpAction
from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.factories import DEMO_INSTRUMENTS

pytestmark = pytest.mark.django_db(transaction=True)


def company_registers(mission: Mission, email: str, decision: str) -> Registration:
    """What a company does in its own journey (tested in the missions app), done through its services."""
    membership = Membership.objects.select_related("user", "organisation").get(user__email=email)
    user = membership.user
    registration = mission_services.registration_start(
        mission=mission, organisation=membership.organisation, actor=user
    )
    text = declaration_text_current(language="nl")
    mission_services.registration_draft_save(
        registration=registration,
        actor=user,
        step=4,
        motivation="Wij zoeken partners voor onderzoek.",
        participants=[
            {
                "name": f"Deelnemer van {membership.organisation.name}",
                "email": f"reis-{email}",
                "position": "Projectleider",
            }
        ],
        data={
            "declaration": {
                "decision": decision,
                "signatory_name": user.full_name,
                "signatory_position": "Directeur",
                "confirms_authority": True,
                "text_id": text.pk,
                "explanation": "" if decision == Decision.ENDORSED else "Wij moeten dit eerst intern bespreken.",
            }
        },
    )
    return mission_services.registration_submit(registration=registration, actor=user)


def test_rvo_runs_a_mission_end_to_end(page, transactional_db):
    call_command("seed_demo", companies=5, instruments=DEMO_INSTRUMENTS, force=True)
    login(page, "rvo@demo.example")

    page.goto("/staff/")
    assert page.get_by_role("heading", level=1).inner_text() == "RVO-backoffice"
    assert_accessible(page, label="staff overview")
    screenshot(page, "staff-01-overview")

    # 1. Create a mission (draft) and publish it.
    page.get_by_role("link", name="Nieuwe missie").first.click()
    today = timezone.localdate()
    page.locator("#id_title_nl").fill("Innovatiemissie batterijen naar Zuid-Korea")
    page.locator("#id_title_en").fill("Innovation mission on batteries to South Korea")
    page.locator("#id_slug").fill("batterijen-zuid-korea")
    page.locator("#id_summary_nl").fill("Samenwerking aan batterijtechnologie en recycling.")
    page.locator("#id_summary_en").fill("Cooperation on battery technology and recycling.")
    page.locator("#id_description_nl").fill("Korea en Nederland werken samen aan batterijen.")
    page.locator("#id_description_en").fill("Korea and the Netherlands cooperate on batteries.")
    page.locator("#id_country").select_option("KR")
    page.locator("#id_starts_on").fill((today + timedelta(days=60)).isoformat())
    page.locator("#id_ends_on").fill((today + timedelta(days=65)).isoformat())
    page.locator("#id_registration_opens_at").fill(
        (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.locator("#id_registration_closes_at").fill((today + timedelta(days=30)).isoformat() + "T17:00")
    assert_accessible(page, label="mission form")
    screenshot(page, "staff-02-mission-form")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/staff/missions/\d+/$"))
    mission = Mission.objects.get(slug="batterijen-zuid-korea")
    assert mission.status == "draft" and mission.country == "KR" and mission.capacity_max == 15
    page.get_by_role("button", name="Publiceren").click()
    assert "Gepubliceerd" in page.locator(".mission-status").inner_text()
    mission.refresh_from_db()
    assert mission.status == "published"
    assert_accessible(page, label="mission detail")
    screenshot(page, "staff-03-mission-published")

    # 2. Two companies register: one endorses the declaration, one declines (held for review).
    endorsing = company_registers(mission, "bedrijf1@demo.example", Decision.ENDORSED)
    declining = company_registers(mission, "bedrijf2@demo.example", Decision.NOT_ENDORSED)
    assert endorsing.status == RegistrationStatus.CONFIRMED
    assert declining.status == RegistrationStatus.HELD_FOR_REVIEW

    page.get_by_role("link", name="Aanmeldingen", exact=True).click()
    table = page.locator("table.registrations-table")
    assert endorsing.organisation.name in table.inner_text()
    assert declining.organisation.name in table.inner_text()
    assert_accessible(page, label="registration list")
    screenshot(page, "staff-04-registrations")
    page.goto("/staff/")
    assert (
        declining.organisation.name
        in page.get_by_role("region", name="Aanmeldingen die op beoordeling wachten").inner_text()
    )

    # Staff review the declining organisation and confirm its seat.
    page.get_by_role("link", name=declining.organisation.name).first.click()
    page.wait_for_url(re.compile(rf".*/staff/registrations/{declining.pk}/$"))
    assert_accessible(page, label="registration detail")
    page.get_by_role("button", name="Bevestigen").click()
    assert "bevestigd" in page.locator(".messages").inner_text()
    declining.refresh_from_db()
    assert declining.status == RegistrationStatus.CONFIRMED
    screenshot(page, "staff-05-registration-confirmed")

    # 3. Plan a preparation session: the IMVO items are on the agenda.
    page.goto(f"/staff/missions/{mission.pk}/")
    page.get_by_role("link", name="Bijeenkomst plannen").click()
    start = timezone.localtime() + timedelta(days=5)
    page.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT10:00"))
    page.locator("#id_ends_at").fill(start.strftime("%Y-%m-%dT12:30"))
    page.locator("#id_location").fill("RVO, Prinses Beatrixlaan 2, Den Haag")
    assert_accessible(page, label="session form")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/staff/sessions/\d+/$"))
    session = mission.preparation_sessions.get()
    imvo_items = page.locator("li.agenda-imvo")
    assert imvo_items.count() == 5
    assert "MVO Risico Checker" in page.locator("#agenda-form").inner_text()

    # 4. Tick the IMVO agenda off during the session.
    for index in range(imvo_items.count()):
        imvo_items.nth(index).get_by_role("checkbox").check()
    page.get_by_role("button", name="Agenda opslaan").click()
    assert "Behandeld: 5 van 5" in page.content()
    assert set(
        AgendaItem.objects.filter(session=session, done_at__isnull=False).values_list("imvo_topic", flat=True)
    ) == set(ImvoTopic.values)

    # 5. Invite the participants (e-mail with .ics) and record attendance in bulk.
    page.get_by_role("button", name="Deelnemers uitnodigen").click()
    assert "2 uitnodigingen" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="Aanwezig", exact=True).click()  # "set everyone to" (staff.js)
    page.get_by_label(f"Aanwezigheid van Deelnemer van {declining.organisation.name}").select_option("excused")
    assert_accessible(page, label="session detail")
    page.get_by_role("button", name="Aanwezigheid opslaan").click()
    assert "De aanwezigheid is vastgelegd" in page.locator(".messages").inner_text()
    statuses = dict(
        Attendance.objects.filter(session=session).values_list(
            "participant__registration__organisation__name", "status"
        )
    )
    assert statuses == {
        endorsing.organisation.name: AttendanceStatus.ATTENDED,
        declining.organisation.name: AttendanceStatus.EXCUSED,
    }
    screenshot(page, "staff-06-session")

    # 6. A follow-up for the organisation that declined the declaration, from the overview.
    page.goto("/staff/")
    declined = page.get_by_role("region", name="Verklaringen niet onderschreven of wachtend op een tekenbevoegde")
    row = declined.locator("li").filter(has_text=declining.organisation.name).filter(has_text=mission.title_nl)
    row.get_by_role("link", name="Vervolgactie toevoegen").click()
    assert page.locator("#id_organisation").input_value() == str(declining.organisation_id)
    page.locator("#id_topic").fill("Gesprek over de zes stappen van gepaste zorgvuldigheid")
    assert_accessible(page, label="follow-up form")
    page.get_by_role("button", name="Opslaan").click()
    action = FollowUpAction.objects.get(mission=mission)
    assert action.organisation_id == declining.organisation_id and action.owner.email == "rvo@demo.example"
    assert "Gesprek over de zes stappen" in page.content()
    screenshot(page, "staff-07-follow-up")

    # 7. Export the registrations as XLSX and open it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Aanmeldingen (Excel)").click()
    download = download_info.value
    assert re.fullmatch(r"batterijen-zuid-korea-aanmeldingen-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Organisatie"
    assert {r[0] for r in rows[1:]} == {endorsing.organisation.name, declining.organisation.name}

    # 8. Audit trail shows what staff did.
    page.goto("/staff/audit/?action=session")
    assert_accessible(page, label="audit")
    text = page.locator("table.audit-table").inner_text()
    for action_name in ("session.create", "session.agenda", "session.invite", "session.attendance"):
        assert action_name in text
    screenshot(page, "staff-08-audit")
