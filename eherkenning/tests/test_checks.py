"""Start-up checks of the OIDC settings (no provider needed)."""

from eherkenning.checks import oidc_settings_check


def ids(settings):
    return sorted(p.id for p in oidc_settings_check())


def configured(settings, **overrides):
    settings.OIDC_ISSUER = "https://broker.example"
    settings.OIDC_CLIENT_ID = "portal"
    settings.OIDC_CLIENT_SECRET = "s"
    settings.OIDC_CLIENT_AUTH_METHOD = "client_secret_basic"
    settings.OIDC_MIN_ASSURANCE = "urn:etoegang:core:assurance-class:loa3"
    settings.OIDC_SIGNING_ALGORITHMS = ["RS256", "ES256"]
    for key, value in overrides.items():
        setattr(settings, key, value)


def test_silent_when_off_or_correct(settings):
    settings.OIDC_ISSUER = ""
    assert ids(settings) == []
    configured(settings)
    assert ids(settings) == []


def test_mistakes_are_reported(settings):
    configured(settings, OIDC_MIN_ASSURANCE="loa3")
    assert ids(settings) == ["eherkenning.E001"]
    configured(settings, OIDC_CLIENT_AUTH_METHOD="private_key_jwt", OIDC_CLIENT_PRIVATE_KEY="")
    assert ids(settings) == ["eherkenning.E003"]
    configured(settings, OIDC_CLIENT_AUTH_METHOD="client_secret_basic", OIDC_CLIENT_SECRET="")
    assert ids(settings) == ["eherkenning.E004"]
    configured(settings, OIDC_CLIENT_AUTH_METHOD="magic")
    assert ids(settings) == ["eherkenning.E002"]
    configured(settings, OIDC_CLIENT_AUTH_METHOD="client_secret_basic", OIDC_SIGNING_ALGORITHMS=["HS256"])
    assert ids(settings) == ["eherkenning.E005"]
    configured(settings, OIDC_SIGNING_ALGORITHMS=["RS256"], OIDC_ISSUER="http://broker.example", DEBUG=False)
    assert ids(settings) == ["eherkenning.W001"]
