"""Staff read labels, not internal names: audit codes, object references, details, brochure
drafts and SBI sections."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from audit.services import audit_event_record
from brochures.constants import BrochureKind
from brochures.services import brochure_draft_get_or_create, brochure_get_or_create
from staff.audit_display import ACTION_LABELS, detail_items
from tests.factories import OrganisationFactory, StaffUserFactory
from tests.mfa import login_staff

from .factories import MissionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def staff_client(client):
    user = StaffUserFactory()
    login_staff(client, user)
    client.user = user
    return client


def _recorded_action_codes() -> set[str]:
    """Every audit code the portal's code records: literal ``action="…"``, security events, and the
    codes made from a lifecycle's actions or a declaration's decisions."""
    from declarations.constants import Decision
    from missions.lifecycle import MISSION_TRANSITIONS

    codes = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        codes.update(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
        codes.update(re.findall(r'security_event\(\s*"([a-z_]+\.[a-z_]+)"', text))
        codes.update(re.findall(r'^\s*"(auth\.[a-z_]+)",\s*$', text, re.M))
    codes.update(f"mission.{t.action}" for t in MISSION_TRANSITIONS)
    codes.update(f"declaration.{d}" for d in Decision.values)
    return codes


def test_every_recorded_audit_code_has_a_label():
    codes = _recorded_action_codes()
    assert "registration.submit" in codes and "auth.login" in codes and "mission.publish" in codes
    assert sorted(codes - set(ACTION_LABELS)) == []


def test_details_are_a_list_of_labelled_values():
    items = detail_items({"reason": "Te laat", "fields": ["title_nl", "capacity_max"], "done": True, "ip": None})
    assert items == [("Reden", "Te laat"), ("Velden", "title_nl, capacity_max"), ("Done", "ja"), ("IP-adres", "–")]
    assert detail_items({}) == []


def test_the_audit_trail_shows_labels_links_and_readable_details(staff_client, django_assert_max_num_queries):
    mission = MissionFactory(title_nl="Waterstofmissie Japan")
    registration = RegistrationFactory(mission=mission)
    audit_event_record(action="export.download", actor=staff_client.user, obj=mission, details={"format": "csv"})
    audit_event_record(action="registration.reject", obj=registration, details={"reason": "Vol <script>"})
    audit_event_record(action="mission.update", obj=mission, details={"fields": ["title_nl", "capacity_max"]})
    audit_event_record(action="organisation.update", obj=OrganisationFactory(name="Bakker & Zn"))
    page = staff_client.get(reverse("staff:audit")).content.decode()
    assert "Export gedownload" in page and '<code class="small">export.download</code>' in page
    assert "Aanmelding afgewezen" in page
    mission_link = f'<a href="{reverse("staff:mission_detail", args=[mission.pk])}">Missie: Waterstofmissie Japan</a>'
    assert mission_link in page
    assert f'href="{reverse("staff:registration_detail", args=[registration.pk])}"' in page
    assert "Organisatie: Bakker &amp; Zn" in page
    assert "missions.mission #" not in page
    # Details as a definition list, escaped, never a Python dict.
    assert '<dt>Reden</dt><dd class="mb-1 text-break">Vol &lt;script&gt;</dd>' in page
    assert "title_nl, capacity_max" in page
    assert "{&#x27;" not in page and "{'" not in page
    # One query per kind of object, not one per event.
    for _ in range(20):
        audit_event_record(action="mission.update", obj=MissionFactory())
    with django_assert_max_num_queries(16):
        staff_client.get(reverse("staff:audit"))


def test_an_object_that_no_longer_exists_is_named_without_a_link(staff_client):
    audit_event_record(action="mission.update", details={})
    from audit.models import AuditEvent

    AuditEvent.objects.create(action="mission.update", object_type="missions.mission", object_id="999999")
    page = staff_client.get(reverse("staff:audit")).content.decode()
    assert "Missie #999999 (bestaat niet meer)" in page


def test_brochure_drafts_have_readable_names(staff_client):
    brochure = brochure_get_or_create(slug="imvo", kind=BrochureKind.IMVO)
    draft = brochure_draft_get_or_create(brochure=brochure, language="nl", actor=staff_client.user)
    assert draft.label == "IMVO-brochure — Nederlands, concept"
    page = staff_client.get(reverse("brochures:manage")).content.decode()
    assert "IMVO-brochure" in page and "(nl-draft)" not in page and "imvo (nl)" not in page
    assert '<span class="visually-hidden"> IMVO-brochure — Nederlands</span>' in page
    page = staff_client.get(reverse("brochures:edit", args=["imvo", "nl"])).content.decode()
    assert "<h1>Bewerken: IMVO-brochure — Nederlands</h1>" in page
    assert 'Concept van "imvo"' not in page
    page = staff_client.get(reverse("brochures:preview", args=[draft.pk])).content.decode()
    assert "IMVO-brochure — Nederlands, concept" in page and "nl-draft" not in page


def test_mission_packs_are_named_after_their_mission():
    mission = MissionFactory(title_nl="Waterstofmissie Japan")
    pack = brochure_get_or_create(slug=f"missie-{mission.slug}", kind=BrochureKind.MISSION_PACK, mission=mission)
    from django.utils import translation

    with translation.override("nl"):
        assert pack.display_name == "Informatiepakket: Waterstofmissie Japan"
        assert pack.version_label("en", 3) == "Informatiepakket: Waterstofmissie Japan — Engels, versie 3"


def test_registration_list_shows_sector_names(staff_client):
    registration = RegistrationFactory(organisation=OrganisationFactory(sector="C"))
    page = staff_client.get(reverse("staff:registration_list", args=[registration.mission_id])).content.decode()
    assert "C – Industrie" in page


def test_the_audit_trail_shows_the_personal_part_while_it_exists_and_erased_after(staff_client, rf):
    from audit.models import AuditEventPersonal
    from audit.services import audit_personal_erase
    from tests.factories import UserFactory

    user = UserFactory(email="piet@example.org")
    request = rf.post("/", REMOTE_ADDR="192.0.2.33", HTTP_USER_AGENT="PietsBrowser")
    event = audit_event_record(action="auth.login_failed", request=request, details={"username": "piet@example.org"})
    audit_event_record(action="auth.login", actor=user, obj=user, request=request)
    page = staff_client.get(reverse("staff:audit")).content.decode()
    assert "piet@example.org" in page and "192.0.2.33" in page and "PietsBrowser" in page
    assert staff_client.get(reverse("staff:audit"), {"actor": "piet@example"}).context["events"]
    audit_personal_erase(rows=AuditEventPersonal.objects.all())
    page = staff_client.get(reverse("staff:audit")).content.decode()
    assert "piet@example.org" not in page and "192.0.2.33" not in page and "PietsBrowser" not in page
    assert (
        f"user#{user.pk}" in page and page.count("persoonsgegevens gewist") == AuditEventPersonal.objects.count() >= 2
    )
    assert staff_client.get(reverse("staff:audit"), {"actor": f"user#{user.pk}"}).context["events"]
    assert event.pk in [e.pk for e in staff_client.get(reverse("staff:audit")).context["events"]]


def test_the_audit_trail_never_shows_a_changed_actor_email_as_fact(staff_client, rf):
    """An insider updates ``actor_email`` (issue 22): the page shows the pseudonym, marked unverified."""
    from declarations.tests.chain_tools import tamper
    from tests.factories import UserFactory

    user = UserFactory(email="piet@example.org")
    request = rf.post("/", REMOTE_ADDR="192.0.2.34", HTTP_USER_AGENT="PietsBrowser")
    event = audit_event_record(action="auth.login", actor=user, obj=user, request=request)
    tamper("UPDATE audit_auditeventpersonal SET actor_email = 'klaas@example.org' WHERE event_id = %s", [event.pk])
    response = staff_client.get(reverse("staff:audit"))
    page = response.content.decode()
    shown = next(e for e in response.context["events"] if e.pk == event.pk)
    assert shown.who == f"user#{user.pk}" and shown.personal_unverified
    assert "klaas@example.org" not in page and "192.0.2.34" not in page
    assert 'data-field="personal-unverified"' in page
