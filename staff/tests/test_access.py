"""Walks every /staff/ URL as anonymous, company, ministry and staff user.

Expected: login redirect / 403 / 403 / 200 — or, for POST-only views, 405 on GET for staff and
then a POST that works (302) for staff and is refused the same way for everybody else.
"""

import pytest
from django.urls import URLPattern, reverse

from accounts.models import User
from declarations.constants import Decision, ReceiptStatus
from declarations.models import Receipt
from instruments.models import FrameworkFollowUp
from instruments.services import application_start
from instruments.tests.factories import InstrumentFactory, PhaseFactory, assess
from missions.constants import RegistrationStatus
from notifications.models import OutboxMessage, OutboxStatus
from organisations.models import Organisation
from staff import urls as staff_urls
from staff.models import AgendaItem, FollowUpAction
from staff.services import session_agenda_ensure
from tests.factories import MinistryUserFactory, OrganisationFactory, StaffUserFactory, member_of
from tests.mfa import login_staff

from .factories import MissionFactory, ParticipantFactory, RegistrationFactory, SessionFactory, declare

STAFF_URL_NAMES = [p.name for p in staff_urls.urlpatterns if isinstance(p, URLPattern)]


def _world():
    mission = MissionFactory(capacity_max=15)
    registration = RegistrationFactory(mission=mission, status=RegistrationStatus.HELD_FOR_REVIEW)
    declaration = declare(registration, Decision.NOT_ENDORSED)
    Receipt.objects.filter(declaration=declaration).update(status=ReceiptStatus.FAILED, last_error="OSError: vol")
    ParticipantFactory(registration=RegistrationFactory(mission=mission))
    session = SessionFactory(mission=mission)
    session_agenda_ensure(session=session)
    optional = AgendaItem.objects.filter(session=session, imvo_topic="").first()
    staff = StaffUserFactory()
    follow_up = FollowUpAction.objects.create(
        organisation=registration.organisation, mission=mission, topic="Gesprek", due_on="2030-01-01", owner=staff
    )
    failed_mail = OutboxMessage.objects.create(
        to=["a@example.org"], subject="Bevestiging", body_text="x", status=OutboxStatus.FAILED, attempts=1
    )
    instrument = InstrumentFactory(sectors="C")
    assess(instrument, staff, size=2)
    applicant = member_of()
    application = application_start(
        instrument=instrument,
        organisation=Organisation.objects.get(memberships__user=applicant),
        reference="R-1",
        actor=applicant,
    )
    return {
        "organisation": registration.organisation,
        "unverified_organisation": OrganisationFactory(unverified=True),
        "instrument": instrument,
        "phase": PhaseFactory(),
        "instrument_follow_up": FrameworkFollowUp.objects.create(application=application, reason="x", guidance="y"),
        "failed_mail": failed_mail,
        "failed_receipt": Receipt.objects.get(declaration=declaration),
        "mission": mission,
        "registration": registration,
        "session": session,
        "item": optional,
        "follow_up": follow_up,
        "staff": staff,
    }


# URL name → (object providing pk, extra kwargs, POST data for a valid staff action or None if GET view)
ROUTES = {
    "overview": (None, {}, None),
    "mission_list": (None, {}, None),
    "mission_create": (None, {}, None),
    "mission_detail": ("mission", {}, None),
    "mission_edit": ("mission", {}, None),
    "mission_transition": ("mission", {}, {"action": "close"}),
    "registration_list": ("mission", {}, None),
    "export": ("mission", {"kind": "registrations", "fmt": "xlsx"}, None),
    "session_create": ("mission", {}, None),
    "follow_up_create": ("mission", {}, None),
    "registration_detail": ("registration", {}, None),
    "registration_action": ("registration", {}, {"action": "confirm"}),
    "session_detail": ("session", {}, None),
    "session_edit": ("session", {}, None),
    "session_notes": ("session", {}, {"notes": "Goed gesprek."}),
    "session_agenda": ("session", {}, {"done": []}),
    "agenda_item_add": ("session", {}, {"title_nl": "Lunch", "title_en": "Lunch"}),
    "agenda_item_remove": ("item", {}, {}),
    "session_invite": ("session", {}, {}),
    "session_attendance": ("session", {}, {}),
    "session_calendar": ("session", {}, None),
    "follow_up_list": (None, {}, None),
    "follow_up_edit": ("follow_up", {}, None),
    "follow_up_done": ("follow_up", {}, {"done": "1"}),
    "instrument_list": (None, {}, None),
    "instrument_create": (None, {}, None),
    "instrument_import": (None, {}, None),
    "instrument_brochures_refresh": (None, {}, {}),
    "instrument_phases": (None, {}, None),
    "instrument_phase_create": (None, {}, None),
    "instrument_phase_edit": ("phase", {}, None),
    "instrument_follow_up_resolve": ("instrument_follow_up", {}, {}),
    "instrument_detail": ("instrument", {}, None),
    "instrument_edit": ("instrument", {}, None),
    "instrument_assess": ("instrument", {}, None),
    "instrument_assessment": ("instrument", {"version": 1}, None),
    "instrument_level": ("instrument", {}, None),
    "declaration_texts": (None, {}, None),
    "declaration_text_publish": (None, {"kind": "subsidy"}, None),
    "organisation_list": (None, {}, None),
    "organisation_detail": ("organisation", {}, None),
    "organisation_verify": (
        "unverified_organisation",
        {},
        {"reason": "KvK-uittreksel gecontroleerd", "confirm": "on"},
    ),
    "audit": (None, {}, None),
    "mail_list": (None, {}, None),
    "mail_resend": ("failed_mail", {}, {}),
    "receipt_retry": ("failed_receipt", {}, {}),
    "job_list": (None, {}, None),
    "job_retry": ("failed_receipt", {"kind": "declarations.receipt"}, {}),
}


def test_every_staff_url_is_covered():
    assert sorted(STAFF_URL_NAMES) == sorted(ROUTES)


def _url(name, world):
    source, kwargs, _post = ROUTES[name]
    if source:
        kwargs = {"pk": world[source].pk, **kwargs}
    return reverse(f"staff:{name}", kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_staff_url_access(client, name):
    world = _world()
    url = _url(name, world)
    post_data = ROUTES[name][2]
    send = client.get if post_data is None else client.post
    data = {} if post_data is None else post_data

    response = send(url, data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), name

    client.force_login(member_of())
    assert send(url, data).status_code == 403, name
    login_staff(client, MinistryUserFactory())
    assert send(url, data).status_code == 403, name
    superuser = User.objects.create_superuser(email="root@example.org", password="x" * 14, full_name="Root")
    login_staff(client, superuser)  # an operator is not RVO staff
    assert send(url, data).status_code == 403, name

    login_staff(client, world["staff"])
    if post_data is None:
        response = client.get(url)
        assert response.status_code == 200, name
    else:
        assert client.get(url).status_code == 405, name
        response = client.post(url, post_data)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/staff/"), name
