"""The admin changes no lifecycle field: those go through the services (lifecycle, capacity check,
waiting list, e-mails, audit trail). Checked on every registered ModelAdmin and its inlines, and
by posting a change as an operator would."""

from datetime import date, datetime, time

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from brochures.models import BrochureVersion, Rendition
from brochures.tests.factories import published_brochure
from missions.constants import MissionStatus, RegistrationStatus
from missions.models import Mission, Registration
from missions.tests.factories import MissionFactory, RegistrationFactory
from organisations.models import Invitation, Membership, Organisation
from tests.factories import OrganisationFactory, member_of
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db

#: Per model, the fields only its services may change.
LIFECYCLE_FIELDS = {
    Mission: {"status", "capacity_min", "capacity_max"},
    Registration: {"status", "waitlist_position", "mission", "organisation", "current_declaration"},
    Membership: {"role", "is_authorised_signatory"},
    Invitation: {"accepted_at", "revoked_at", "expires_at", "token_sha256"},
    Organisation: {"verification", "verified_at", "verified_by"},
    BrochureVersion: {"status", "number", "published_at"},
    Rendition: {"status", "file", "file_sha256", "claim_token", "lease_until"},
}


@pytest.fixture
def admin_client(client, admin_user):
    login_staff(client, admin_user)  # superusers reach the admin only with a second factor
    return client


def _editable_fields(model_admin, request, obj) -> set[str]:
    """The model fields the admin's form (and its inlines' forms) for ``obj`` would save."""
    if obj is None and not model_admin.has_add_permission(request):
        return set()
    if obj is not None and not model_admin.has_change_permission(request, obj):
        return set()
    editable = set(model_admin.get_form(request, obj).base_fields)
    return editable


def _inline_editable_fields(model_admin, request, obj) -> dict[type, set[str]]:
    found = {}
    for inline in model_admin.get_inline_instances(request, obj):
        if not (inline.has_change_permission(request, obj) or inline.has_add_permission(request, obj)):
            continue
        found[inline.model] = set(inline.get_formset(request, obj).form.base_fields)
    return found


def test_no_model_admin_edits_a_lifecycle_field(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    # One row of each model with a lifecycle, so that the change forms are checked too.
    org = OrganisationFactory()
    member_of(org)
    RegistrationFactory()
    Invitation.objects.create(organisation=org, email="x@example.org", token_sha256="1" * 64, expires_at=timezone.now())
    published_brochure()
    checked = set()
    for model, model_admin in admin.site._registry.items():
        editable = {model: _editable_fields(model_admin, request, None)}
        obj = model.objects.first()
        if obj is not None:
            editable[model] |= _editable_fields(model_admin, request, obj)
        for inline_model, fields in _inline_editable_fields(model_admin, request, obj).items():
            editable[inline_model] = editable.get(inline_model, set()) | fields
        for form_model, fields in editable.items():
            if form_model in LIFECYCLE_FIELDS:
                checked.add((form_model, obj is not None))
                leaked = fields & LIFECYCLE_FIELDS[form_model]
                assert not leaked, f"{type(model_admin).__name__} edits {form_model.__name__}.{sorted(leaked)}"
    # Every model with a lifecycle was looked at with a row to change.
    assert {(model, True) for model in LIFECYCLE_FIELDS} <= checked


def test_the_checker_sees_an_editable_lifecycle_field(admin_user):
    """The check above is not blind: an admin like the old MissionAdmin is caught."""

    class OldMissionAdmin(admin.ModelAdmin):
        pass

    request = RequestFactory().get("/admin/")
    request.user = admin_user
    fields = _editable_fields(OldMissionAdmin(Mission, admin.site), request, MissionFactory())
    assert {"status", "capacity_max"} <= fields & LIFECYCLE_FIELDS[Mission]


def _post_data(response) -> dict:
    """What the admin's change form would post back unchanged (the page's own values)."""
    context = response.context
    data = {}
    all_forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        all_forms.extend(inline.formset.forms)
    for form in all_forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            widget = getattr(field.widget, "widget", field.widget)
            if isinstance(widget, forms.MultiWidget):
                parts = value if isinstance(value, list) else widget.decompress(value)
                for index, part in enumerate(parts):
                    data[f"{bound.html_name}_{index}"] = _text(part)
            elif isinstance(field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = _text(value)
    return data


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    return "" if value is None else str(value)


def test_posting_a_mission_in_the_admin_leaves_status_and_capacity_alone(admin_client):
    mission = MissionFactory(status=MissionStatus.DRAFT, capacity_max=15)
    url = reverse("admin:missions_mission_change", args=[mission.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = _post_data(page)
    assert "status" not in data and "capacity_max" not in data
    data.update({"title_nl": "Nieuwe titel", "status": MissionStatus.COMPLETED, "capacity_max": "1"})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    mission.refresh_from_db()
    assert mission.title_nl == "Nieuwe titel"  # the post was saved ...
    assert mission.status == MissionStatus.DRAFT and mission.capacity_max == 15  # ... without the lifecycle


def test_registrations_are_not_added_or_moved_in_the_admin(admin_client):
    registration = RegistrationFactory(status=RegistrationStatus.CONFIRMED)
    assert admin_client.get(reverse("admin:missions_registration_add")).status_code == 403
    url = reverse("admin:missions_registration_change", args=[registration.pk])
    page = admin_client.get(url)
    data = _post_data(page)
    other = MissionFactory()
    data.update({"status": RegistrationStatus.WAITLISTED, "mission": str(other.pk), "motivation": "Bijgewerkt"})
    assert admin_client.post(url, data).status_code == 302
    registration.refresh_from_db()
    assert registration.motivation == "Bijgewerkt"
    assert registration.status == RegistrationStatus.CONFIRMED and registration.mission_id != other.pk


def test_a_used_invitation_cannot_be_reopened_in_the_admin(admin_client):
    org = OrganisationFactory()
    inviter = member_of(org)
    invitation = Invitation.objects.create(
        organisation=org,
        email="x@example.org",
        invited_by=inviter,
        token_sha256="0" * 64,
        expires_at=timezone.now(),
        accepted_at=timezone.now(),
    )
    url = reverse("admin:organisations_invitation_change", args=[invitation.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "0" * 64 not in page.content.decode()
    admin_client.post(url, {"accepted_at_0": "", "accepted_at_1": "", "expires_at_0": "2099-01-01"})
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert admin_client.get(reverse("admin:organisations_invitation_add")).status_code == 403
