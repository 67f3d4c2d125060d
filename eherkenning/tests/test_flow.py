"""The eHerkenning login against the real OpenID Provider (tests/oidc/provider.mjs), over HTTP:
the portal's side through Django's test client, the provider's login page through requests."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from eherkenning.models import OIDCIdentity
from organisations.models import Membership, Organisation
from organisations.policies import can
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.oidc.fixtures import provider_login

pytestmark = [pytest.mark.oidc, pytest.mark.django_db]
LOGIN = "/accounts/eherkenning/login/"
ORGANISATION_FORM = "/accounts/eherkenning/organisation/"


def start(client, next_=""):
    response = client.get(LOGIN + (f"?next={next_}" if next_ else ""))
    assert response.status_code == 302
    return response["Location"]


def login_as(client, account, next_=""):
    """Start at the portal, log in on the provider's page, come back: the callback's response."""
    callback = provider_login(start(client, next_), account)
    assert callback.startswith("http://testserver/accounts/eherkenning/callback/?")
    return client.get(callback)


def actions():
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def organisation_data(**overrides):
    data = {
        "name": "Zonnepanelen Noord B.V.",
        "kvk_number": "11111111",  # ignored: the number comes from eHerkenning
        "kind": "company",
        "sector": "C",
        "city": "Groningen",
        "employees": "40",
        "annual_turnover_eur": "3000000",
        "balance_sheet_total_eur": "1000000",
        "figures_year": "2025",
    }
    data.update(overrides)
    return data


def test_login_page_offers_eherkenning_only_when_configured(client, settings, oidc_settings):
    assert "Inloggen met eHerkenning" in client.get("/accounts/login/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Log in with eHerkenning" in client.get("/accounts/login/").content.decode()
    settings.OIDC_ISSUER = ""
    assert "eHerkenning" not in client.get("/accounts/login/").content.decode()
    assert client.get(LOGIN).status_code == 404


def test_login_redirects_to_authorization_endpoint_with_code_state_nonce_and_pkce(client, oidc_settings, oidc_provider):
    url = start(client)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(oidc_provider.issuer + "/auth?")
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [oidc_settings.OIDC_CLIENT_ID]
    assert query["redirect_uri"] == ["http://testserver/accounts/eherkenning/callback/"]
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert len(query["code_challenge"][0]) == 43 and query["code_challenge_method"] == ["S256"]
    assert "openid" in query["scope"][0].split()
    # Every start has its own state, nonce and verifier.
    assert parse_qs(urlsplit(start(client)).query)["state"] != query["state"]


def test_signatory_of_a_new_kvk_number_registers_the_organisation_and_may_sign(client, oidc_settings):
    response = login_as(client, "eh-signatory")
    assert response.status_code == 302 and response["Location"] == ORGANISATION_FORM
    user = User.objects.get(oidc_identities__subject="pseudo-7f3a1c")
    assert user.full_name == "Sanne de Vries" and not user.has_usable_password()
    assert "70000001" in client.get(ORGANISATION_FORM).content.decode()
    response = client.post(ORGANISATION_FORM, organisation_data())
    organisation = Organisation.objects.get(kvk_number="70000001")  # the posted 11111111 was ignored
    assert response.status_code == 302
    assert not Organisation.objects.filter(kvk_number="11111111").exists()
    membership = Membership.objects.get(user=user, organisation=organisation)
    assert membership.role == "admin" and membership.is_authorised_signatory is False
    # Signatory for this session, through the broker's authorisation.
    page = client.get(reverse("organisations:detail", args=[organisation.pk]))
    assert page.status_code == 200
    assert can(page.wsgi_request.user, "declaration.sign", organisation)
    # No second factor asked of an eHerkenning company user.
    assert client.get("/my/").status_code == 200
    assert {"auth.oidc_link", "auth.login", "organisation.create", "authority.session_grant"} <= set(actions())
    login = AuditEvent.objects.get(action="auth.login")
    assert login.details["method"] == "eherkenning" and login.details["kvk_number"] == "70000001"
    assert login.details["assurance"] == "urn:etoegang:core:assurance-class:loa3"


def test_employee_without_authorisation_becomes_member_but_not_signatory(client, oidc_settings):
    organisation = OrganisationFactory(kvk_number="70000001")
    MembershipFactory(organisation=organisation)  # an admin exists
    response = login_as(client, "eh-employee")
    assert response.status_code == 302 and response["Location"] != ORGANISATION_FORM
    user = User.objects.get(oidc_identities__subject="pseudo-2b9d44")
    membership = Membership.objects.get(user=user, organisation=organisation)
    assert membership.role == "member" and not membership.is_authorised_signatory
    page = client.get(reverse("organisations:detail", args=[organisation.pk]))
    assert not can(page.wsgi_request.user, "declaration.sign", organisation)
    assert "membership.link" in actions() and "authority.session_grant" not in actions()


def test_first_eherkenning_user_of_an_organisation_without_admin_becomes_admin(client, oidc_settings):
    organisation = OrganisationFactory(kvk_number="70000001")
    login_as(client, "eh-employee")
    assert Membership.objects.get(organisation=organisation).role == "admin"


def test_level_2_is_refused_and_nothing_is_created(client, oidc_settings):
    users = User.objects.count()
    response = login_as(client, "eh-level2")
    assert response.status_code == 403
    assert "EH3" in response.content.decode()
    assert User.objects.count() == users and not OIDCIdentity.objects.exists()
    assert not Organisation.objects.filter(kvk_number="70000003").exists()
    assert "_auth_user_id" not in client.session
    refusal = AuditEvent.objects.get(action="auth.oidc_refused")
    assert refusal.details["reason"] == "assurance_too_low"


def test_person_acting_for_two_organisations_has_one_account_with_two_memberships(client, oidc_settings):
    first, second = OrganisationFactory(kvk_number="70000004"), OrganisationFactory(kvk_number="90000002")
    login_as(client, "eh-multi-a")
    client.post("/accounts/logout/")
    login_as(client, "eh-multi-b")
    user = User.objects.get(oidc_identities__subject="pseudo-9c1e07")
    assert OIDCIdentity.objects.filter(subject="pseudo-9c1e07").count() == 1
    assert set(user.memberships.values_list("organisation_id", flat=True)) == {first.pk, second.pk}
    # This session's authority is for the organisation of this login only.
    request_user = client.get("/my/").wsgi_request.user
    assert can(request_user, "declaration.sign", second) and not can(request_user, "declaration.sign", first)


def test_never_matched_on_email(client, oidc_settings):
    existing = UserFactory(email="sanne@zonnepanelen.example")
    login_as(client, "eh-signatory")
    user = User.objects.get(oidc_identities__subject="pseudo-7f3a1c")
    assert user.pk != existing.pk
    assert user.email.endswith("@eherkenning.invalid")
    assert not Membership.objects.filter(user=existing).exists()


def test_replayed_state_is_refused(client, oidc_settings):
    callback = provider_login(start(client), "eh-employee")
    assert client.get(callback).status_code == 302
    client.post("/accounts/logout/")
    response = client.get(callback)
    assert response.status_code == 400
    assert "opnieuw" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.oidc_refused", details__reason="state_invalid").exists()


def test_wrong_nonce_is_refused(client, oidc_settings):
    url = start(client)
    state = parse_qs(urlsplit(url).query)["state"][0]
    session = client.session
    session[f"_state_eherkenning_{state}"]["data"]["nonce"] = "not-the-nonce-we-sent"
    session.save()
    response = client.get(provider_login(url, "eh-employee"))
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.oidc_refused", details__reason="nonce_mismatch").exists()
    assert not User.objects.filter(oidc_identities__subject="pseudo-2b9d44").exists()


def test_provider_error_is_refused_with_a_message(client, oidc_settings):
    url = start(client)
    state = parse_qs(urlsplit(url).query)["state"][0]
    response = client.get(f"/accounts/eherkenning/callback/?error=access_denied&state={state}")
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="auth.oidc_refused", details__reason="provider_error").exists()


def test_logout_continues_at_the_provider(client, oidc_settings, oidc_provider):
    OrganisationFactory(kvk_number="70000001")
    login_as(client, "eh-employee")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(oidc_provider.issuer + "/session/end?")
    query = parse_qs(urlsplit(location).query)
    assert query["id_token_hint"][0].count(".") == 2
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert "_auth_user_id" not in client.session


def test_staff_linked_to_eherkenning_still_needs_the_second_factor(client, oidc_settings):
    from django.contrib.auth.models import Group

    from accounts.constants import RVO_STAFF_GROUP

    OrganisationFactory(kvk_number="70000001")
    login_as(client, "eh-employee")
    user = User.objects.get(oidc_identities__subject="pseudo-2b9d44")
    user.groups.add(Group.objects.get_or_create(name=RVO_STAFF_GROUP)[0])
    client.post("/accounts/logout/")
    login_as(client, "eh-employee")
    response = client.get("/my/")
    assert response.status_code == 302 and "/accounts/mfa/" in response["Location"]


def test_client_authenticates_with_private_key_jwt(client, oidc_settings):
    from eherkenning import client as client_module
    from tests.oidc.fixtures import PKJWT_CLIENT_ID, PKJWT_PRIVATE_KEY

    oidc_settings.OIDC_CLIENT_ID = PKJWT_CLIENT_ID
    oidc_settings.OIDC_CLIENT_SECRET = ""
    oidc_settings.OIDC_CLIENT_AUTH_METHOD = "private_key_jwt"
    oidc_settings.OIDC_CLIENT_PRIVATE_KEY = PKJWT_PRIVATE_KEY
    oidc_settings.OIDC_CLIENT_PRIVATE_KEY_ID = "portal-1"
    OrganisationFactory(kvk_number="70000001")
    response = login_as(client, "eh-employee")
    assert response.status_code == 302 and "_auth_user_id" in client.session

    # Another key than the one registered: the provider refuses the token request.
    from joserfc.jwk import RSAKey

    client_module._client_for.cache_clear()
    oidc_settings.OIDC_CLIENT_PRIVATE_KEY = RSAKey.generate_key(2048).as_pem(private=True).decode()
    client.post("/accounts/logout/")
    response = login_as(client, "eh-employee")
    assert response.status_code == 400 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.oidc_refused", details__reason="token_request_failed").exists()
    client_module._client_for.cache_clear()


@pytest.mark.parametrize(("next_", "expected"), [("/missions/", "/missions/"), ("https://evil.example/", None)])
def test_next_is_followed_only_inside_the_portal(client, oidc_settings, next_, expected):
    OrganisationFactory(kvk_number="70000001")
    response = login_as(client, "eh-employee", next_)
    assert response.status_code == 302
    if expected:
        assert response["Location"] == expected
    else:
        assert "evil.example" not in response["Location"]


def test_claimed_email_is_kept_when_no_account_has_it(client, oidc_settings):
    OrganisationFactory(kvk_number="70000001")
    login_as(client, "eh-employee")
    assert User.objects.get(oidc_identities__subject="pseudo-2b9d44").email == "joost@zonnepanelen.example"


def test_organisation_form_needs_a_parked_eherkenning_login(client, oidc_settings):
    user = UserFactory()
    client.force_login(user)
    assert client.get(ORGANISATION_FORM)["Location"] == reverse("organisations:home")
    client.post(ORGANISATION_FORM, organisation_data(kvk_number="12345670"))
    assert not Organisation.objects.filter(kvk_number="12345670").exists()


def test_company_user_with_own_authenticator_is_not_asked_for_it_after_eherkenning(client, oidc_settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    OrganisationFactory(kvk_number="70000001")
    login_as(client, "eh-employee")
    user = User.objects.get(oidc_identities__subject="pseudo-2b9d44")
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.post("/accounts/logout/")
    login_as(client, "eh-employee")
    assert client.get("/my/").status_code == 200  # EH3 is multi-factor already
