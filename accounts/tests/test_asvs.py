"""ASVS 5.0 chapters 6 and 7: the requirements no other test showed (see docs/security.md, "OWASP
ASVS 5.0"). Each test names the requirement it shows."""

import re
import time
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.crawl import all_url_paths
from tests.factories import DEMO_INSTRUMENTS, StaffUserFactory, UserFactory
from tests.mfa import login_staff, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOGOUT = (reverse("accounts:logout"), "/admin/logout/")


def _login(client, email, password, ip="10.26.0.1"):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def _change_password(client, new):
    url = reverse("accounts:password_change")
    return client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})


def _logged_in(client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def _password_inputs(body: str) -> list[dict]:
    parser = _Inputs()
    parser.feed(body)
    return [i for i in parser.inputs if "password" in (i.get("name") or "")]


# --- V6.2 passwords ----------------------------------------------------------------------------


def test_6_2_1_a_password_needs_at_least_12_characters(client):
    user = UserFactory()
    client.force_login(user)
    response = _change_password(client, "kort-wacht1")  # 11 characters
    assert response.status_code == 200 and "te kort" in response.content.decode()
    assert _change_password(client, "lang-genoeg1").status_code == 302  # 12 characters
    user.refresh_from_db()
    assert user.check_password("lang-genoeg1")


def test_6_2_9_a_password_of_128_characters_is_kept_whole_and_works(client):
    long_password = "Een zin als wachtwoord, lang genoeg voor elke wachtwoordbeheerder. " * 2
    long_password = long_password[:128]
    user = UserFactory(email="lang@example.org")
    client.force_login(user)
    assert _change_password(client, long_password).status_code == 302
    client.post(reverse("accounts:logout"))
    assert _login(client, "lang@example.org", long_password[:64]).status_code == 200  # not truncated
    assert _login(client, "lang@example.org", long_password).status_code == 302


@pytest.mark.parametrize(
    "password",
    ["alleenkleineletters", "ALLEEN HOOFDLETTERS EN SPATIES", "één twee drie vier", "!#$%&()*+,-./:;<=>?@[]^_"],
)
def test_6_2_5_any_composition_is_accepted_without_character_rules(client, password):
    user = UserFactory()
    client.force_login(user)
    assert _change_password(client, password).status_code == 302, password
    user.refresh_from_db()
    assert user.check_password(password)


def test_6_2_8_the_password_is_checked_exactly_as_typed(client):
    exact = "  Spaties En Hoofdletters 2026  "
    user = UserFactory(email="exact@example.org")
    user.set_password(exact)
    user.save()
    for variant in (exact.strip(), exact.lower(), exact.upper()):
        assert _login(client, "exact@example.org", variant).status_code == 200, repr(variant)
    assert _login(client, "exact@example.org", exact).status_code == 302


@pytest.mark.parametrize(
    "url_name", ["accounts:login", "accounts:signup", "accounts:password_change", "accounts:reauth"]
)
def test_6_2_6_and_6_2_7_password_fields_are_masked_and_allow_paste_and_managers(client, url_name):
    if url_name in ("accounts:password_change", "accounts:reauth"):
        client.force_login(UserFactory())
    body = client.get(reverse(url_name)).content.decode()
    fields = _password_inputs(body)
    assert fields, url_name
    for field in fields:
        assert field.get("type") == "password", field
        # A password manager may fill it: no autocomplete="off", and no script blocks pasting.
        assert field.get("autocomplete") in ("current-password", "new-password"), field
        assert not {"onpaste", "oncopy", "ondrop", "readonly"} & set(field), field
    assert not re.search(r"on(paste|drop)\s*=|addEventListener\(\s*['\"]paste", body)


def test_6_2_10_a_password_never_expires_with_time(client):
    UserFactory(email="oud@example.org")
    with time_machine.travel(time.time() + 5 * 365 * 24 * 3600, tick=False):
        response = _login(client, "oud@example.org", PASSWORD)
        assert response.status_code == 302
        assert not response["Location"].startswith(reverse("accounts:password_change"))
        assert _logged_in(client)


# --- V6.3 default accounts ------------------------------------------------------------------------


def test_6_3_2_demo_accounts_with_a_known_password_are_refused_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", companies=1, instruments=DEMO_INSTRUMENTS)
    from accounts.models import User

    assert not User.objects.filter(email__endswith="@demo.example").exists()


# --- V6.5 one-time codes ---------------------------------------------------------------------------


def test_6_5_5_an_authenticator_code_older_than_one_step_of_tolerance_is_refused(client):
    staff = StaffUserFactory()
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    assert device.step == 30 and device.tolerance == 1  # a code counts for its step and one either side
    for moment in range(1_900_000_000, 1_900_000_000 + 30 * 20, 30):
        window = {totp_code(device, at=moment + offset * device.step) for offset in (-1, 0, 1)}
        old = totp_code(device, at=moment - 2 * device.step)  # one minute old
        if old not in window:  # six digits may coincide by chance; pick a moment where they do not
            break
    with time_machine.travel(moment, tick=False):
        _login(client, staff.email, PASSWORD)
        response = client.post(reverse("accounts:mfa_verify"), {"code": old})
        assert response.status_code == 200 and "klopt niet" in response.content.decode()
        assert client.get("/staff/").status_code == 302


# --- V7.2 session tokens --------------------------------------------------------------------------


def test_7_2_3_and_7_2_4_login_issues_a_new_random_session_key_and_ends_the_old_one(client):
    UserFactory(email="sessie@example.org")
    session = client.session
    session["before_login"] = True
    session.save()
    before = session.session_key
    assert _login(client, "sessie@example.org", PASSWORD).status_code == 302
    after = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    # Django's database sessions: 32 characters of [a-z0-9] from the secrets module (165 bits).
    assert re.fullmatch(r"[a-z0-9]{32}", after)
    other = Client()
    _login(other, "sessie@example.org", PASSWORD, ip="10.26.0.2")
    assert other.cookies[django_settings.SESSION_COOKIE_NAME].value != after


def test_7_2_4_re_authentication_issues_a_new_session_key_too(client, settings):
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        _login(client, user.email, PASSWORD)
        client.post(reverse("accounts:mfa_verify"), {"code": totp_code(device)})
        clock.shift(settings.REAUTH_MAX_AGE + 31)
        before = client.session.session_key
        response = client.post(
            reverse("accounts:reauth") + "?next=/accounts/mfa/", {"password": PASSWORD, "code": totp_code(device)}
        )
        assert response.status_code == 302 and response["Location"] == "/accounts/mfa/"
        assert client.session.session_key != before
        assert not Session.objects.filter(session_key=before).exists()
        assert _logged_in(client)


def test_7_2_1_a_session_key_the_server_never_issued_is_not_a_session(client):
    UserFactory()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "a" * 32
    assert not _logged_in(client)


# --- V7.5 changes to what authenticates ----------------------------------------------------------


def test_7_5_1_a_user_cannot_change_their_own_e_mail_address(client):
    user = UserFactory(email="vast@example.org")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"full_name": "Nieuwe Naam", "language": "nl", "email": "ander@example.org"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Nieuwe Naam" and user.email == "vast@example.org"


# --- V7.4 session termination ---------------------------------------------------------------------


def test_7_4_1_logout_ends_the_session_on_the_server(client):
    UserFactory(email="uit@example.org")
    _login(client, "uit@example.org", PASSWORD)
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert _logged_in(client)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = key  # the old cookie, kept by an attacker
    assert not _logged_in(replay)


def test_7_4_2_deleting_an_account_ends_its_sessions_on_every_device(client, django_capture_on_commit_callbacks):
    from django.core import mail

    user = UserFactory()
    phone = Client()
    phone.force_login(user)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:delete"), {"password": PASSWORD, "understood": "on"})
    link = re.search(r"https?://\S+(/accounts/delete/\S+/)", mail.outbox[-1].body).group(1)
    assert client.post(link).status_code == 302
    user.refresh_from_db()
    assert not user.is_active  # deleted: the personal data erased, the row kept as a pseudonym
    assert not _logged_in(client) and not _logged_in(phone)


def test_7_4_3_a_password_reset_ends_every_session_of_the_account(client, django_capture_on_commit_callbacks):
    UserFactory(email="reset@example.org")
    _login(client, "reset@example.org", PASSWORD)
    assert _logged_in(client)
    stranger = Client()
    with django_capture_on_commit_callbacks(execute=True):
        stranger.post(reverse("accounts:password_reset"), {"email": "reset@example.org"})
    from django.core import mail

    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_url = stranger.get(link, follow=True).redirect_chain[-1][0]
    new = "Nieuw-na-herstel-2026"
    assert stranger.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert not _logged_in(client)


@pytest.mark.parametrize("role", ["company", "staff"])
def test_7_4_4_every_page_for_a_logged_in_person_offers_logout(role):
    client = Client(raise_request_exception=False)
    if role == "staff":
        login_staff(client, StaffUserFactory(is_superuser=True, is_staff=True))
    else:
        client.force_login(UserFactory())
    pages = 0
    missing = []
    for path in all_url_paths():
        # /api/: token-only, no session to log out of; its console (Swagger UI) is a developer tool.
        if path.startswith(("/accounts/logout/", "/admin/logout/", "/i18n/", "/static/", "/api/")):
            continue
        response = client.get(path)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        body = response.content.decode()
        if "<html" not in body:
            continue  # a fragment inside a page that has the button (or a file, not a page)
        pages += 1
        if not any(re.search(rf'<form[^>]*method="post"[^>]*action="{url}"', body) for url in LOGOUT):
            missing.append(path)
    assert pages > 20
    assert not missing, f"no logout button: {missing}"


@pytest.mark.parametrize(
    "password", ["Imvo-portaal-2026!", "welkom-bij-RVO-2026", "1MV0 missieportaal", "Ministerie-van-EZK-99"]
)
def test_6_2_11_passwords_built_on_the_portals_context_words_are_refused(password):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert any(e.code == "password_context_word" for e in error.value.error_list)


def test_6_2_11_an_ordinary_long_password_is_accepted():
    from django.contrib.auth.password_validation import validate_password

    validate_password("paarse-fiets-onder-de-brug-42")


def test_7_4_3_a_second_factor_change_ends_the_other_sessions_but_keeps_this_one(client):
    from django.test import Client

    from tests.mfa import login_staff, recovery_codes_for

    user = StaffUserFactory()
    other = Client()
    login_staff(other, user)
    login_staff(client, user)
    recovery_codes_for(user, ["abcde23456"])
    assert other.get("/staff/").status_code == 200
    response = client.post(reverse("accounts:mfa_manage"), {"regenerate": "1"})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200  # this session goes on
    assert other.get("/staff/")["Location"].startswith(reverse("accounts:login"))  # the other one ended


def test_7_5_1_a_password_change_with_a_second_factor_needs_a_fresh_code(client):
    import time_machine

    from tests.mfa import login_staff

    user = StaffUserFactory()
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        login_staff(client, user)
        assert client.get(reverse("accounts:password_change")).status_code == 200  # just verified: fresh
        clock.shift(django_settings.REAUTH_MAX_AGE + 1)
        response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:reauth"))
