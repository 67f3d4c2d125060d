"""RVO staff see which organisations are unverified and verify one, with a confirmation and a
reason, audited; the organisation can sign from then on (issue 26, item 6)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from missions.constants import RegistrationStatus
from missions.tests.factories import MissionFactory, published_text
from missions.tests.test_views import _wizard
from tests.factories import MembershipFactory, OrganisationFactory, StaffUserFactory, member_of
from tests.mfa import login_staff

from .factories import RegistrationFactory

pytestmark = pytest.mark.django_db

REASON = "KvK-uittreksel gecontroleerd en het bedrijf gebeld op het nummer uit het register."


def test_staff_list_unverified_organisations_first_and_filter_them(client, django_assert_max_num_queries):
    verified = OrganisationFactory(name="Aaa Geverifieerd B.V.")
    typed = OrganisationFactory(name="Zzz Getypt B.V.", unverified=True)
    for _ in range(3):
        MembershipFactory(organisation=OrganisationFactory(unverified=True))
    login_staff(client, StaffUserFactory())
    with django_assert_max_num_queries(12):  # no query per organisation
        page = client.get(reverse("staff:organisation_list")).content.decode()
    assert page.index(typed.name) < page.index(verified.name)  # unverified first
    assert page.count('data-testid="verification"') == 5
    unverified = client.get(reverse("staff:organisation_list") + "?verification=unverified").content.decode()
    assert typed.name in unverified and verified.name not in unverified
    found = client.get(reverse("staff:organisation_list") + f"?q={verified.kvk_number}").content.decode()
    assert verified.name in found and typed.name not in found


def test_staff_verify_an_organisation_after_confirming_and_it_signs(client):
    published_text()
    organisation = OrganisationFactory(unverified=True)
    signatory = member_of(organisation)
    staff = StaffUserFactory()

    # Before: its signatory cannot sign; the registration waits.
    client.force_login(signatory)
    registration, base = _wizard(client, MissionFactory(), organisation)
    client.post(f"{base}/5/", {"action": "submit"})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING_SIGNATURE

    login_staff(client, staff)
    detail = reverse("staff:organisation_detail", args=[organisation.pk])
    page = client.get(detail).content.decode()
    assert reverse("staff:organisation_verify", args=[organisation.pk]) in page
    verify = reverse("staff:organisation_verify", args=[organisation.pk])
    # Without the confirmation, or without a reason, nothing happens.
    for data in ({"reason": REASON}, {"confirm": "on", "reason": " "}):
        response = client.post(verify, data)
        assert response.status_code == 302 and response["Location"] == detail
    organisation.refresh_from_db()
    assert not organisation.is_verified and not AuditEvent.objects.filter(action="organisation.verify").exists()

    response = client.post(verify, {"reason": REASON, "confirm": "on"}, follow=True)
    assert response.status_code == 200
    organisation.refresh_from_db()
    assert organisation.verification == "staff" and organisation.verified_by == staff
    event = AuditEvent.objects.get(action="organisation.verify")
    assert (
        event.actor == staff and event.details["method"] == "staff" and event.personal.details["reason_text"] == REASON
    )
    assert "reason" not in event.details and "reason_text" not in event.details  # typed text: never append-only
    assert reverse("staff:organisation_verify", args=[organisation.pk]) not in response.content.decode()
    # Verifying twice is refused, not recorded twice.
    client.post(verify, {"reason": REASON, "confirm": "on"})
    assert AuditEvent.objects.filter(action="organisation.verify").count() == 1

    # After: the signatory signs the waiting registration.
    client.force_login(signatory)
    sign = reverse("my:sign", args=[registration.pk])
    client.post(
        sign,
        {"decision": "endorsed", "signatory_name": "Petra", "signatory_position": "CEO", "confirms_authority": "on"},
    )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_registration_page_shows_the_organisations_verification(client):
    registration = RegistrationFactory(
        organisation=OrganisationFactory(unverified=True), status=RegistrationStatus.PENDING_SIGNATURE
    )
    login_staff(client, StaffUserFactory())
    page = client.get(reverse("staff:registration_detail", args=[registration.pk])).content.decode()
    assert 'data-testid="verification"' in page
    assert reverse("staff:organisation_detail", args=[registration.organisation_id]) in page
