"""Claims → login: the assurance-level rule, the KvK number, the authorisation (no provider needed)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from eherkenning.claims import MAX_LEEWAY_SECONDS, LoginRefused, leeway, login_from_claims

LOA = "urn:etoegang:core:assurance-class:loa"
KVK = "urn:etoegang:core:LegalSubjectID"
SERVICES = "urn:etoegang:core:ServiceName"


def claims(**overrides):
    base = {"sub": "pseudo-1", "name": "Sanne", "email": "sanne@example.org", KVK: "12345678", "loa": LOA + "3"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_claims_map_to_a_login():
    login = login_from_claims(claims(**{SERVICES: ["Iets anders", "IMVO-verklaring afgeven"]}), issuer="https://i")
    assert (login.subject, login.kvk_number, login.name, login.email) == (
        "pseudo-1",
        "12345678",
        "Sanne",
        "sanne@example.org",
    )
    assert login.authorised_to_sign is True
    assert login.issuer == "https://i"


@pytest.mark.parametrize(
    "value, authorised",
    [
        ("IMVO-verklaring afgeven", True),
        (["IMVO-verklaring afgeven"], True),
        ([], False),
        (None, False),
        ("IMVO", False),
    ],
)
def test_authorisation_claim_as_string_or_list(value, authorised):
    assert login_from_claims(claims(**{SERVICES: value}), issuer="i").authorised_to_sign is authorised


@pytest.mark.parametrize(
    "level, accepted",
    [
        (LOA + "1", False),
        (LOA + "2", False),
        (LOA + "2plus", False),
        (LOA + "3", True),
        (LOA + "4", True),
        ("http://eidas.europa.eu/LoA/low", False),
        ("http://eidas.europa.eu/LoA/substantial", True),
        ("http://eidas.europa.eu/LoA/high", True),
        ("urn:something:unknown", False),
        (None, False),
    ],
)
def test_minimum_assurance_is_substantial_by_default(level, accepted):
    if accepted:
        assert login_from_claims(claims(loa=level), issuer="i").assurance == level
    else:
        with pytest.raises(LoginRefused) as refused:
            login_from_claims(claims(loa=level), issuer="i")
        assert refused.value.reason == "assurance_too_low"
        assert "EH3" in str(refused.value.message)


def test_minimum_assurance_is_configurable_and_checked(settings):
    settings.OIDC_MIN_ASSURANCE = LOA + "4"
    with pytest.raises(LoginRefused):
        login_from_claims(claims(loa=LOA + "3"), issuer="i")
    settings.OIDC_MIN_ASSURANCE = "loa3"
    with pytest.raises(ImproperlyConfigured):
        login_from_claims(claims(), issuer="i")


@pytest.mark.parametrize("kvk", ["1234567", "123456789", "1234567a", "", None, 12345678.5, "１２３４５６７８"])
def test_kvk_number_must_be_8_digits(kvk):
    with pytest.raises(LoginRefused) as refused:
        login_from_claims(claims(**{KVK: kvk}), issuer="i")
    assert refused.value.reason == "invalid_kvk_number"


def test_subject_is_required_and_email_optional():
    with pytest.raises(LoginRefused) as refused:
        login_from_claims(claims(sub=None), issuer="i")
    assert refused.value.reason == "missing_subject"
    assert login_from_claims(claims(email="not an address"), issuer="i").email == ""


def test_claim_names_are_configurable(settings):
    settings.OIDC_CLAIM_KVK = "kvk"
    settings.OIDC_CLAIM_ASSURANCE = "acr"
    login = login_from_claims({"sub": "p", "kvk": "87654321", "acr": LOA + "3"}, issuer="i")
    assert login.kvk_number == "87654321"


def test_leeway_is_bounded(settings):
    settings.OIDC_LEEWAY = 86400
    assert leeway() == MAX_LEEWAY_SECONDS
    settings.OIDC_LEEWAY = -5
    assert leeway() == 0
