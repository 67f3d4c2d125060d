"""An eHerkenning authorisation makes a member a signatory for that session only, and the
declaration record keeps where the authority came from (no provider needed)."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from accounts.models import User
from declarations.models import Declaration
from declarations.verification import declarations_verify
from missions.constants import RegistrationStatus as S
from missions.exceptions import NotASignatory
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from organisations.authority import SESSION_KEY, SessionAuthorityMiddleware, session_authority_grant
from organisations.policies import can
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
LOA3 = "urn:etoegang:core:assurance-class:loa3"


def request_for(user):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user
    return request


def member(organisation, **kwargs):
    return MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False, **kwargs).user


def test_grant_makes_a_member_signatory_for_that_organisation_and_session_only():
    organisation, other = OrganisationFactory(), OrganisationFactory()
    user = member(organisation)
    member(other, user=user)
    assert not can(user, "declaration.sign", organisation)
    request = request_for(user)
    session_authority_grant(request, organisation_id=organisation.pk, source="eherkenning", level=LOA3)
    assert can(user, "declaration.sign", organisation)
    assert not can(user, "declaration.sign", other)
    # The same person in another session (a fresh user object without the grant) is not a signatory.
    assert not can(User.objects.get(pk=user.pk), "declaration.sign", organisation)


def test_grant_needs_a_membership():
    organisation = OrganisationFactory()
    outsider = member(OrganisationFactory())
    session_authority_grant(request_for(outsider), organisation_id=organisation.pk, source="eherkenning", level=LOA3)
    assert not can(outsider, "declaration.sign", organisation)


def test_middleware_attaches_grants_only_to_the_user_they_were_made_for():
    organisation = OrganisationFactory()
    owner, other = member(organisation), member(organisation)
    request = request_for(owner)
    session_authority_grant(request, organisation_id=organisation.pk, source="eherkenning", level=LOA3)
    stored = request.session[SESSION_KEY]

    later = request_for(User.objects.get(pk=other.pk))
    later.session[SESSION_KEY] = stored
    SessionAuthorityMiddleware(lambda r: None)(later)
    assert not can(later.user, "declaration.sign", organisation)

    again = request_for(User.objects.get(pk=owner.pk))
    again.session[SESSION_KEY] = stored
    SessionAuthorityMiddleware(lambda r: None)(again)
    assert can(again.user, "declaration.sign", organisation)


def test_declaration_records_authority_from_eherkenning_and_chain_verifies():
    text = published_text()
    organisation = OrganisationFactory()
    user = member(organisation)
    registration = draft_ready(
        mission=MissionFactory(), user=user, organisation=organisation, answer=endorse_answer(text)
    )
    with pytest.raises(NotASignatory):
        registration_submit(registration=registration, actor=User.objects.get(pk=user.pk))
    session_authority_grant(request_for(user), organisation_id=organisation.pk, source="eherkenning", level=LOA3)
    registration = draft_ready(
        mission=MissionFactory(), user=user, organisation=organisation, answer=endorse_answer(text)
    )
    registration = registration_submit(registration=registration, actor=user)
    assert registration.status == S.CONFIRMED
    declaration = Declaration.objects.for_subject(registration).get()
    source, level, at = declaration.authority.split(";")
    assert (source, level) == ("eherkenning", LOA3)
    assert at.endswith("+00:00")
    result = declarations_verify()
    assert result.ok, result.problems


def test_standing_signatory_leaves_authority_empty_and_tampering_with_it_breaks_the_hash():
    from declarations.hashing import record_hash

    text = published_text()
    organisation = OrganisationFactory()
    signatory = MembershipFactory(organisation=organisation).user
    registration = draft_ready(
        mission=MissionFactory(), user=signatory, organisation=organisation, answer=endorse_answer(text)
    )
    registration_submit(registration=registration, actor=signatory)
    declaration = Declaration.objects.for_subject(registration).get()
    assert declaration.authority == ""
    original = record_hash(declaration)
    declaration.authority = "eherkenning;" + LOA3 + ";2026-01-01T00:00:00+00:00"
    assert record_hash(declaration) != original
