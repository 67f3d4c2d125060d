"""Changes made in Django's admin are audit events (audit/admin_log.py)."""

import pytest
from django.contrib.admin.models import LogEntry

from accounts.models import User
from audit.models import AuditEvent
from organisations.models import Organisation
from tests.factories import OrganisationFactory
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = User.objects.create_superuser(email="root@example.org", password="a-long-password-1", full_name="Root")
    login_staff(client, user)
    return user


def test_a_deletion_in_the_admin_is_an_audit_event_with_actor_object_and_message(client, operator):
    organisation = OrganisationFactory(name="Jansen Textiel BV")
    response = client.post(f"/admin/organisations/organisation/{organisation.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    entry = LogEntry.objects.get()
    event = AuditEvent.objects.get(action="admin.deletion")
    assert event.actor == operator
    assert (event.object_type, event.object_id) == ("organisations.organisation", str(organisation.pk))
    assert event.details["admin_log_id"] == entry.pk
    assert event.details["change_message"] == []  # a deletion: nothing changed field by field
    # The object's name may name a person: only in the erasable personal part.
    assert "Jansen" not in str(event.details)
    assert event.personal.details["object_repr"] == "Jansen Textiel BV"


def test_a_bulk_action_in_the_admin_writes_one_audit_event_per_object(client, operator):
    organisations = OrganisationFactory.create_batch(2)
    response = client.post(
        "/admin/organisations/organisation/",
        {"action": "delete_selected", "_selected_action": [o.pk for o in organisations], "post": "yes"},
    )
    assert response.status_code == 302
    assert LogEntry.objects.count() == 2
    events = AuditEvent.objects.filter(action="admin.deletion")
    assert sorted(e.object_id for e in events) == sorted(str(o.pk) for o in organisations)
    assert all(e.actor == operator for e in events)


def test_an_audit_event_is_part_of_the_admins_transaction(operator):
    """No log entry without its audit event: both are written, or neither."""
    from django.db import transaction

    organisation = OrganisationFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        LogEntry.objects.log_actions(operator.pk, [organisation], 2, change_message=[{"changed": {"fields": ["x"]}}])
        raise RuntimeError("the admin's change failed")
    assert not LogEntry.objects.exists() and not AuditEvent.objects.filter(action__startswith="admin.").exists()
    LogEntry.objects.log_actions(operator.pk, [organisation], 2, change_message=[{"changed": {"fields": ["Name"]}}])
    event = AuditEvent.objects.get(action="admin.change")
    assert event.details["change_message"] == [{"changed": {"fields": ["Name"]}}]  # in no language
