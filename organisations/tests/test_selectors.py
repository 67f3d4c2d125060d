import pytest

from organisations.selectors import signatories_active
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_signatories_are_the_active_standing_signatories_of_that_organisation_only():
    organisation = OrganisationFactory()
    anna = MembershipFactory(organisation=organisation, user__full_name="Anna").user
    bram = MembershipFactory(organisation=organisation, role="member", user__full_name="Bram").user
    MembershipFactory(organisation=organisation, is_authorised_signatory=False)  # a member who cannot sign
    MembershipFactory(organisation=organisation, user__is_active=False)  # a closed account
    MembershipFactory()  # another organisation's signatory
    assert signatories_active(organisation_id=organisation.pk) == [anna, bram]
