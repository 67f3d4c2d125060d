import pytest
from django.contrib.admin.sites import site

from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_event_record

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
