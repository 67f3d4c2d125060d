"""My data (page and JSON) and deleting one's own account."""

import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent, AuditEventPersonal
from audit.services import audit_event_record, audit_personal_about, audit_personal_erase
from audit.tests.helpers import audit_trail_text
from dashboard.tests.helpers import make_mission, register
from declarations.models import DeclarationPersonalData, PersonalDataErasure
from declarations.services import declarations_verify
from missions.constants import RegistrationStatus
from missions.models import Participant, Registration
from notifications.models import OutboxMessage
from organisations.constants import MembershipRole
from organisations.models import Membership
from tests.factories import MembershipFactory, MinistryUserFactory, OrganisationFactory, member_of
from tests.mfa import login_staff, totp_code, totp_device_for

pytestmark = pytest.mark.django_db
PASSWORD = "x-Very-long-2026!"


@pytest.fixture
def signed(client):
    """A company user who signed a declaration (through the real record) and then closed the registration."""
    organisation = OrganisationFactory(name="Voorbeeld B.V.")
    mission = make_mission()
    registration = register(mission, organisation, signatory="Anna de Vries", ip="203.0.113.5")
    user = registration.submitted_by
    user.full_name = "Anna de Vries"
    user.set_password(PASSWORD)
    user.save()
    Participant.objects.create(registration=registration, name="Anna de Vries", email=user.email, position="CEO")
    Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.WITHDRAWN)
    client.force_login(user)
    return user


def test_my_data_page_and_json_hold_everything_about_me_and_nothing_of_others(client, signed):
    other = member_of()
    page = client.get(reverse("privacy:my_data")).content.decode()
    assert "Anna de Vries" in page and "203.0.113.5" in page and "Voorbeeld B.V." in page
    response = client.get(reverse("privacy:my_data_json"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == signed.email
    assert data["declarations"][0]["signatory_name"] == "Anna de Vries"
    assert data["declarations"][0]["ip_address"] == "203.0.113.5"
    assert data["participations"][0]["position"] == "CEO"
    assert data["memberships"][0]["organisation"] == "Voorbeeld B.V."
    assert other.email not in response.content.decode()


def _request_deletion(client, user, **extra):
    return client.post(reverse("privacy:delete"), {"password": PASSWORD, "understood": "on", **extra})


def test_delete_account_end_to_end(client, signed, django_capture_on_commit_callbacks):
    declaration_id = signed.memberships.get().organisation.declarations.get().pk
    assert _request_deletion(client, signed, password="wrong").status_code == 200
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = _request_deletion(client, signed)
    assert "We hebben een link gestuurd" in response.content.decode()
    link = re.search(r"https?://\S+/accounts/delete/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]
    assert OutboxMessage.objects.get(kind="account_delete_confirm").body_text.startswith("[redacted")
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302

    signed.refresh_from_db()
    assert signed.email == f"deleted-{signed.pk}@deleted.invalid"
    assert signed.full_name == "" and not signed.is_active and not signed.has_usable_password()
    assert not Membership.objects.filter(user=signed).exists()
    personal = DeclarationPersonalData.objects.get(declaration_id=declaration_id)
    assert personal.signatory_name == "" and personal.ip_address is None and personal.erased_at
    assert PersonalDataErasure.objects.filter(declaration_id=declaration_id).exists()
    assert Participant.objects.get().email == ""
    assert declarations_verify().ok
    # The audit trail says who did what, under a pseudonym, with no name or address left.
    events = AuditEvent.objects.filter(actor=signed)
    assert events.filter(action="account.delete_requested").exists()
    assert set(events.values_list("actor_label", flat=True)) == {f"user#{signed.pk}"}
    assert AuditEvent.objects.filter(action="account.delete", object_id=str(signed.pk)).exists()
    # The account is gone for login, and the link cannot be used again.
    assert not signed.check_password(PASSWORD)
    client.force_login(signed)
    assert client.post(path).status_code in (302, 400)
    signed.refresh_from_db()
    assert signed.email == f"deleted-{signed.pk}@deleted.invalid"


def test_deletion_link_of_someone_else_or_tampered_is_refused(client, signed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _request_deletion(client, signed)
    link = re.search(r"/accounts/delete/\S+/", mail.outbox[-1].body).group(0)
    other = member_of()
    client.force_login(other)
    assert client.post(link).status_code == 400
    assert client.post(link[:-3] + "xx/").status_code == 400
    other.refresh_from_db()
    assert other.is_active


def test_last_admin_of_an_organisation_with_open_registrations_is_refused(client):
    user = member_of()
    user.set_password(PASSWORD)
    user.save()
    organisation = user.memberships.get().organisation
    register(make_mission(), organisation)  # confirmed: still open
    Membership.objects.filter(organisation=organisation).exclude(user=user).delete()
    client.force_login(user)
    page = client.get(reverse("privacy:delete")).content.decode()
    assert "enige beheerder" in page
    response = _request_deletion(client, user)
    assert "enige beheerder" in response.content.decode()
    assert not OutboxMessage.objects.filter(kind="account_delete_confirm").exists()
    # With a second administrator the account may go.
    MembershipFactory(organisation=user.memberships.get().organisation, role=MembershipRole.ADMIN)
    response = _request_deletion(client, user)
    assert OutboxMessage.objects.filter(kind="account_delete_confirm").exists()


def test_second_factor_is_asked_when_the_user_has_one(client, signed):
    device = totp_device_for(signed)
    response = _request_deletion(client, signed)
    assert response.status_code == 200 and not OutboxMessage.objects.filter(kind="account_delete_confirm").exists()
    _request_deletion(client, signed, code=totp_code(device))
    assert OutboxMessage.objects.filter(kind="account_delete_confirm").exists()


def test_ministry_accounts_are_closed_by_the_operators(client):
    login_staff(client, MinistryUserFactory())
    assert client.get(reverse("privacy:delete")).status_code == 403
    assert client.get(reverse("privacy:my_data")).status_code == 200


def client_class_for(client):
    return type(client)()


def test_deletion_leaves_no_address_or_ip_address_of_the_user_anywhere_in_the_audit_trail(
    client, signed, django_capture_on_commit_callbacks
):
    """The whole trail (events and personal parts, details included) is searched as text."""
    email = signed.email
    client.defaults.update(REMOTE_ADDR="192.0.2.77", HTTP_USER_AGENT="AnnasBrowser/9")
    client.logout()
    # A failed and a real login (their address in the details), then activity, then the deletion.
    client.post(reverse("accounts:login"), {"username": email, "password": "wrong"})
    assert client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD}).status_code == 302
    stranger = client_class_for(client)
    stranger.defaults.update(REMOTE_ADDR="198.51.100.99")
    stranger.post(reverse("accounts:login"), {"username": "iemand@example.org", "password": "wrong"})
    response = client.get(reverse("privacy:my_data"))
    page = response.content.decode()
    assert "192.0.2.77" in page and "AnnasBrowser/9" in page  # shown while it exists
    before = audit_trail_text()
    assert email.lower() in before and "192.0.2.77" in before and "annasbrowser" in before
    with django_capture_on_commit_callbacks(execute=True):
        _request_deletion(client, signed)
    path = re.search(r"/accounts/delete/\S+/", mail.outbox[-1].body).group(0)
    assert client.post(path).status_code == 302

    text = audit_trail_text()
    for personal in (email.lower(), "192.0.2.77", "annasbrowser", "anna de vries"):
        assert personal not in text
    # The events remain and say who did what under the pseudonym; others' data are untouched.
    actions = set(AuditEvent.objects.filter(actor=signed).values_list("action", flat=True))
    assert {"auth.login", "account.delete_requested", "auth.logout"} <= actions
    assert set(AuditEvent.objects.filter(actor=signed).values_list("actor_label", flat=True)) == {f"user#{signed.pk}"}
    erased = AuditEventPersonal.objects.filter(event__actor=signed)
    assert erased.exists() and not erased.filter(erased_at__isnull=True).exists()
    deletion = AuditEvent.objects.get(action="account.delete")
    assert deletion.details["actor"] == f"user#{signed.pk}" and deletion.details["audit_personal"] >= 4
    assert "198.51.100.99" in text and "iemand@example.org" in text
    assert declarations_verify().ok


def test_my_data_shows_audit_client_data_while_they_exist_and_erased_after(client, signed, rf):
    audit_event_record(action="auth.login", actor=signed, request=rf.post("/", REMOTE_ADDR="192.0.2.66"))
    data = json.loads(client.get(reverse("privacy:my_data_json")).content)
    login = next(a for a in data["activity"] if a["ip_address"] == "192.0.2.66")
    assert login["personal_data_erased_at"] is None
    audit_personal_erase(rows=audit_personal_about(user=signed, email=signed.email))
    data = json.loads(client.get(reverse("privacy:my_data_json")).content)
    assert "192.0.2.66" not in json.dumps(data)
    assert all(a["personal_data_erased_at"] for a in data["activity"] if a["action"] == "auth.login")
    assert "persoonsgegevens gewist" in client.get(reverse("privacy:my_data")).content.decode()
