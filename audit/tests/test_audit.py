import pytest
from django.contrib.admin.sites import site
from django.utils import translation

from audit.models import AppendOnlyError, AuditEvent, AuditEventPersonal
from audit.services import (
    actor_display,
    audit_event_record,
    audit_personal_about,
    audit_personal_erase,
    details_split,
    personal_part,
)
from tests.factories import UserFactory

from .helpers import audit_trail_text

pytestmark = pytest.mark.django_db


def test_audit_events_are_append_only():
    event = audit_event_record(action="test.action", details={"x": 1})
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.action"


def test_admin_can_read_but_never_edit(rf, admin_user):
    model_admin = site._registry[AuditEvent]
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def _request(rf, ip="192.0.2.10", agent="TestBrowser/1.0"):
    return rf.post("/x/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)


def test_personal_data_go_to_the_erasable_part_never_into_the_event(rf):
    actor = UserFactory(email="piet@example.org")
    event = audit_event_record(
        action="mail.resend",
        actor=actor,
        request=_request(rf),
        details={
            "username": "kees@example.org",
            "previous_error": "550 5.1.1 <jan@example.org>: mailbox unavailable",
            "kind": "confirmation",
        },
    )
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    text = str(row).lower()
    for personal in ("piet@example.org", "kees@example.org", "jan@example.org", "192.0.2.10", "testbrowser"):
        assert personal not in text
    assert row["actor_label"] == f"user#{actor.pk}" and row["details"] == {"kind": "confirmation"}
    part = AuditEventPersonal.objects.get(event=event)
    assert (part.actor_email, part.ip_address, part.user_agent) == ("piet@example.org", "192.0.2.10", "TestBrowser/1.0")
    assert set(part.details) == {"username", "previous_error"} and part.erased_at is None


def test_details_split_by_key_and_by_an_address_anywhere_in_the_value():
    kept, personal = details_split(
        {
            "username": "x",
            "reason": "bad_password",
            "changed": {"contact": ["a@b.nl", ""]},
            "count": 3,
            "user": "user#4",
        }
    )
    assert kept == {"reason": "bad_password", "count": 3, "user": "user#4"}
    assert personal == {"username": "x", "changed": {"contact": ["a@b.nl", ""]}}
    assert details_split(None) == ({}, {})


def test_an_event_without_personal_data_has_no_personal_part():
    event = audit_event_record(action="test.system", details={"count": 1})
    assert personal_part(event) is None and actor_display(event) == ""


def test_an_erased_or_deactivated_account_gets_no_personal_part(rf):
    user = UserFactory(email="weg@example.org", is_active=False)
    event = audit_event_record(action="auth.logout", actor=user, obj=user, request=_request(rf))
    assert personal_part(event) is None
    assert "weg@example.org" not in audit_trail_text() and "192.0.2.10" not in audit_trail_text()
    assert actor_display(event) == f"user#{user.pk}"


def test_erasure_empties_the_personal_part_and_keeps_the_event(rf):
    user = UserFactory(email="anna@example.org")
    other = UserFactory(email="bert@example.org")
    mine = audit_event_record(action="auth.login", actor=user, obj=user, request=_request(rf))
    failed = audit_event_record(
        action="auth.login_failed", request=_request(rf, ip="198.51.100.3"), details={"username": "anna@example.org"}
    )
    theirs = audit_event_record(action="auth.login", actor=other, obj=other, request=_request(rf, ip="198.51.100.4"))
    about = audit_personal_about(user=user, email=user.email)
    assert set(about.values_list("event_id", flat=True)) == {mine.pk, failed.pk}
    assert audit_personal_erase(rows=about) == 2
    assert audit_personal_erase(rows=audit_personal_about(user=user, email=user.email)) == 0  # idempotent
    text = audit_trail_text()
    assert "anna@example.org" not in text and "192.0.2.10" not in text and "198.51.100.3" not in text
    assert "bert@example.org" in text and "198.51.100.4" in text
    mine = AuditEvent.objects.select_related("personal").get(pk=mine.pk)
    assert mine.action == "auth.login" and mine.personal.is_erased and actor_display(mine) == f"user#{user.pk}"
    assert actor_display(AuditEvent.objects.get(pk=theirs.pk)) == "bert@example.org"


def test_admin_shows_the_personal_part_while_it_exists_and_erased_after(rf, admin_user):
    user = UserFactory(email="anna@example.org")
    event = audit_event_record(action="auth.login", actor=user, request=_request(rf))
    model_admin = site._registry[AuditEvent]
    event = model_admin.get_queryset(rf.get("/")).get(pk=event.pk)
    assert model_admin.who(event) == "anna@example.org" and model_admin.ip_address(event) == "192.0.2.10"
    audit_personal_erase(rows=AuditEventPersonal.objects.filter(event=event))
    event = model_admin.get_queryset(rf.get("/")).get(pk=event.pk)
    with translation.override("en"):
        assert model_admin.who(event) == f"user#{user.pk}" and str(model_admin.ip_address(event)) == "erased"
