"""The privileged roles are defined once (accounts/roles.py) and both rules that need them use it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.mfa import mfa_mandatory
from accounts.roles import is_privileged
from organisations.policies import can
from tests.factories import MinistryUserFactory, OrganisationFactory, StaffUserFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


def _people():
    return {
        "rvo staff": (StaffUserFactory(), True),
        "ministry": (MinistryUserFactory(), True),
        "superuser": (UserFactory(is_superuser=True, is_staff=True), True),
        "superuser without admin flag": (UserFactory(is_superuser=True, is_staff=False), True),
        "admin-site account": (UserFactory(is_staff=True), True),
        "company user": (member_of(OrganisationFactory()), False),
        "new user": (UserFactory(), False),
    }


def test_the_second_factor_and_self_deletion_split_users_along_the_same_line():
    for name, (user, privileged) in _people().items():
        assert is_privileged(user) is privileged, name
        assert mfa_mandatory(user) is privileged, name
        # Privileged accounts are closed by the operators, not by their holders.
        assert can(user, "account.delete") is (not privileged), name


def test_nobody_signed_out_is_privileged():
    assert not is_privileged(AnonymousUser()) and not is_privileged(None)
    assert not mfa_mandatory(AnonymousUser())
