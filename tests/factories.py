"""factory_boy factories shared by every app's tests."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.constants import MINISTRY_GROUP, RVO_STAFF_GROUP
from accounts.models import User
from organisations.constants import MembershipRole, OrganisationKind, OrganisationVerification
from organisations.models import Membership, Organisation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name", locale="nl_NL")
    language = "nl"
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        obj.groups.add(Group.objects.get_or_create(name=RVO_STAFF_GROUP)[0])


class MinistryUserFactory(UserFactory):
    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        obj.groups.add(Group.objects.get_or_create(name=MINISTRY_GROUP)[0])


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n} B.V.")
    kvk_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    kind = OrganisationKind.COMPANY
    sector = "C"
    city = "Utrecht"
    employees = 50
    annual_turnover_eur = Decimal("5000000")
    balance_sheet_total_eur = Decimal("2000000")
    figures_year = 2025
    # Verified (as RVO staff would), so that tests sign; ``unverified=True`` for one a password
    # account made by typing a KvK number.
    verification = OrganisationVerification.STAFF
    verified_at = factory.LazyFunction(timezone.now)

    class Params:
        large = factory.Trait(
            employees=800, annual_turnover_eur=Decimal("90000000"), balance_sheet_total_eur=Decimal("50000000")
        )
        unverified = factory.Trait(verification=OrganisationVerification.UNVERIFIED, verified_at=None)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.ADMIN
    is_authorised_signatory = True


def member_of(organisation: Organisation | None = None, **kwargs) -> User:
    """A user who is admin and signatory of the organisation (a new one if none given)."""
    membership = MembershipFactory(organisation=organisation or OrganisationFactory(), **kwargs)
    return membership.user


#: How many instruments of the demo registry the tests' ``seed_demo`` makes (``--instruments``):
#: the named ones, enough for every page and kind; all 222 (and their brochures) cost each seeding
#: some 10 s. CI's own demo step (`.ci/run`) seeds the whole registry, as the portal's role.
DEMO_INSTRUMENTS = 12
