"""Retention: personal data older than its period are erased through the allowed paths only."""

from datetime import date, timedelta

import pytest
import time_machine
from axes.models import AccessLog
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_event_record
from audit.tests.helpers import audit_trail_text
from dashboard.selectors import Filters, dashboard_report, missions_known
from dashboard.services import rollups_refresh
from dashboard.tests.helpers import attend, make_mission, register
from declarations.models import Declaration, DeclarationPersonalData, PersonalDataErasure
from declarations.services import declarations_verify
from missions.models import Participant
from notifications.models import OutboxMessage, OutboxStatus
from organisations.models import Invitation
from privacy.retention import retention_erase
from privacy.tasks import retention_erase as retention_task
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _figures():
    report = dashboard_report(filters=Filters(), missions=missions_known(), language="nl")
    return [(label, cell.text) for label, cell, _help in report.headline] + [
        (label, [c.text for c in cells]) for section in report.sections for label, cells in section.rows
    ]


def test_old_personal_data_are_erased_and_evidence_and_figures_survive(settings):
    erase_and_check(settings)


@pytest.mark.postgres
def test_retention_on_postgresql_keeps_the_chain_verifiable(settings):
    """The same on PostgreSQL, where the evidence triggers allow only the erasure path."""
    erase_and_check(settings)


def erase_and_check(settings):
    settings.RETENTION_DAYS = {
        "participants": 30,
        "declaration_personal_data": 100,
        "invitations": 10,
        "outbox": 5,
        "login_records": 60,
        "audit_personal": 180,
    }
    old = make_mission(year=2024)
    old.ends_on = date.today() - timedelta(days=31)
    old.save(update_fields=["ends_on"])
    recent = make_mission(year=date.today().year + 1)
    registrations = [register(old, OrganisationFactory(large=True), ip="203.0.113.9") for _ in range(6)]
    fresh = register(recent, ip="198.51.100.1")
    for r in registrations:
        attend(r, name="Oud Deelnemer")
    attend(fresh, name="Nieuw Deelnemer")
    old_invitation = Invitation.objects.create(
        organisation=registrations[0].organisation,
        email="oud@example.org",
        token_sha256="t1",
        expires_at=timezone.now() - timedelta(days=20),
    )
    Invitation.objects.filter(pk=old_invitation.pk).update(created_at=timezone.now() - timedelta(days=30))
    open_invitation = Invitation.objects.create(
        organisation=registrations[0].organisation,
        email="open@example.org",
        token_sha256="t2",
        expires_at=timezone.now() + timedelta(days=200),
    )
    sent = OutboxMessage.objects.create(to=["a@example.org"], subject="Oud", body_text="Beste Jan", status="sent")
    OutboxMessage.objects.filter(pk=sent.pk).update(created_at=timezone.now() - timedelta(days=6))
    pending = OutboxMessage.objects.create(to=["b@example.org"], subject="Wacht", body_text="Beste Piet")
    OutboxMessage.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(days=6))
    # Signed long ago: only the records of the old mission (the chain is append-only: move the clock).
    old_ids = [r.current_declaration_id for r in registrations]
    login = AccessLog.objects.create(username="jan@example.org", ip_address="203.0.113.7", user_agent="Firefox")
    rollups_refresh()
    before = _figures()

    later = timezone.now() + timedelta(days=101)
    counts = retention_erase(now=later)

    assert counts["participants"] == 6
    assert set(Participant.objects.filter(registration__mission=old).values_list("name", "email", "position")) == {
        ("", "", "")
    }
    assert Participant.objects.get(registration=fresh).name == "Nieuw Deelnemer"
    # All declarations were signed more than 100 days before "later".
    assert counts["declaration_personal_data"] == 7
    assert PersonalDataErasure.objects.filter(declaration_id__in=old_ids).count() == 6
    for personal in DeclarationPersonalData.objects.all():
        assert personal.erased_at and personal.signatory_name == "" and personal.ip_address is None
        assert personal.user_agent == ""
    assert Invitation.objects.get(pk=old_invitation.pk).email == ""
    assert Invitation.objects.get(pk=open_invitation.pk).email == "open@example.org"
    sent.refresh_from_db()
    pending.refresh_from_db()
    assert sent.to == [] and sent.body_text == ""
    assert pending.to == ["b@example.org"] and pending.status == OutboxStatus.PENDING
    assert AuditEvent.objects.filter(action="privacy.retention_erase").exists()
    assert counts["login_records"] == 1 and not AccessLog.objects.filter(pk=login.pk).exists()

    assert declarations_verify().ok
    assert Declaration.objects.count() == 7
    rollups_refresh()
    assert _figures() == before
    # Idempotent: nothing left to erase.
    assert not any(retention_erase(now=later).values())


def test_nothing_is_erased_before_its_period(settings):
    settings.RETENTION_DAYS = {
        "participants": 30,
        "declaration_personal_data": 100,
        "invitations": 10,
        "outbox": 5,
        "login_records": 60,
        "audit_personal": 180,
    }
    mission = make_mission(year=date.today().year + 1)
    registration = register(mission, ip="203.0.113.9")
    attend(registration)
    assert not any(retention_erase().values())
    assert DeclarationPersonalData.objects.get().signatory_name == "Jan Jansen"


def test_beat_runs_the_retention_task(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert any(entry["task"] == "privacy.tasks.retention_erase" for entry in schedule.values())
    assert retention_task() == {
        "participants": 0,
        "invitations": 0,
        "outbox": 0,
        "login_records": 0,
        "registration_reasons": 0,
        "declaration_personal_data": 0,
        "audit_personal": 0,
    }


def test_privacy_page_states_the_periods_from_the_settings(client, settings):
    settings.RETENTION_DAYS = {
        "participants": 123,
        "declaration_personal_data": 2555,
        "invitations": 45,
        "outbox": 7,
        "login_records": 99,
        "audit_personal": 77,
    }
    page = client.get("/privacy/").content.decode()
    assert "123 dagen na afloop van de missie" in page
    assert "IP-adres en browser, en e-mailadressen in de details: 77 dagen" in page
    assert "2555 dagen na ondertekening" in page
    assert "45 dagen" in page and "7 dagen" in page and "99 dagen" in page
    english = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en")
    client.post("/i18n/setlang/", {"language": "en", "next": "/privacy/"})
    english = client.get("/privacy/").content.decode()
    assert "123 days after the end of the mission" in english
    assert "e-mail addresses in its details: 77 days" in english


def audit_personal_erase_and_check(settings, rf):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "audit_personal": 180}
    user = UserFactory(email="anna@example.org")
    old_request = rf.post("/", REMOTE_ADDR="203.0.113.80", HTTP_USER_AGENT="OudeBrowser/1")
    with time_machine.travel(timezone.now() - timedelta(days=181)):
        audit_event_record(action="auth.login", actor=user, obj=user, request=old_request)
        audit_event_record(
            action="auth.login_failed", request=old_request, details={"username": "oud@example.org", "reason": "x"}
        )
    with time_machine.travel(timezone.now() - timedelta(days=179)):
        audit_event_record(
            action="auth.logout", actor=user, obj=user, request=rf.post("/", REMOTE_ADDR="198.51.100.81")
        )
    counts = retention_erase()
    assert counts["audit_personal"] == 2
    text = audit_trail_text()
    assert "203.0.113.80" not in text and "oudebrowser" not in text and "oud@example.org" not in text
    assert "198.51.100.81" in text and "anna@example.org" in text  # newer than the period: kept
    # The events stay, with what happened and the pseudonym; the erasure is an appended event.
    login = AuditEvent.objects.select_related("personal").get(action="auth.login")
    assert login.actor_label == f"user#{user.pk}" and login.personal.is_erased
    assert AuditEvent.objects.get(action="auth.login_failed").details == {"reason": "x"}
    assert AuditEvent.objects.get(action="privacy.retention_erase").details["audit_personal"] == 2
    assert retention_erase()["audit_personal"] == 0


def test_audit_personal_data_older_than_the_period_are_erased_newer_kept(settings, rf):
    audit_personal_erase_and_check(settings, rf)


@pytest.mark.postgres
def test_audit_personal_data_erased_on_postgresql(settings, rf):
    audit_personal_erase_and_check(settings, rf)
