"""Issue 12's acceptance checks, over real HTTP against the live server on PostgreSQL.

The test client is not enough for the lockout: these drive the real login form with its CSRF
token, cookies and redirects (urllib, no browser), the way an attacker's script would.
"""

import base64
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
import time_machine
from django_otp.plugins.otp_totp.models import TOTPDevice

from notifications.models import OutboxMessage
from tests.factories import StaffUserFactory, UserFactory
from tests.mfa import recovery_codes_for, totp_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies, CSRF and no automatic redirects; ``ip`` is sent as X-Forwarded-For (trusted proxy)."""

    def __init__(self, base_url: str, ip: str = "198.51.100.1"):
        self.base_url = base_url
        self.ip = ip
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def _open(self, request):
        request.add_header("X-Forwarded-For", self.ip)
        try:
            response = self.opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            response = error
        return response.status, response.headers.get("Location", ""), response.read().decode()

    def get(self, path: str):
        return self._open(urllib.request.Request(self.base_url + path))

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def post(self, path: str, data: dict, *, form_path: str | None = None):
        if not any(c.name == "csrftoken" for c in self.cookies):
            self.get(form_path or path)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body))

    def login(self, email: str, password: str = PASSWORD):
        return self.post("/accounts/login/", {"username": email, "password": password})

    def logged_in(self) -> bool:
        status, _location, _body = self.get("/accounts/profile/")
        return status == 200


@pytest.fixture
def server(live_server, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test plays the proxy and chooses the client address
    return live_server


def test_each_spelling_variant_of_a_locked_account_is_refused(server, settings):
    UserFactory(email="deelnemer11@demo.example")
    attacker = Browser(server.url, ip="203.0.113.50")
    spellings = [
        "deelnemer11@demo.example",
        "DEELNEMER11@DEMO.EXAMPLE",
        "deelnemer11@demo.example ",
        " Deelnemer11@Demo.Example",
    ]
    statuses = [attacker.login(spellings[n % 4], "wrong")[0] for n in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429  # the failures of all spellings count against one account
    for spelling in spellings:
        status, _location, body = attacker.login(spelling, PASSWORD)  # even the right password
        assert status == 429, spelling
        assert "Te veel mislukte" in body
        assert not attacker.logged_in()


def test_a_used_confirmation_link_cannot_log_in(server, mailoutbox):
    visitor = Browser(server.url)
    password = "Zeer-veilig-wachtwoord-2026"
    status, _location, _body = visitor.post(
        "/accounts/signup/",
        {
            "full_name": "Anna de Vries",
            "email": "Anna@Example.org",
            "language": "nl",
            "password1": password,
            "password2": password,
            "accept_privacy": "on",
        },
    )
    assert status == 302
    # The link is read from the e-mail as sent: the outbox keeps no link once a mail has gone.
    assert OutboxMessage.objects.filter(to=["anna@example.org"]).exists()
    (sent,) = [m for m in mailoutbox if m.to == ["anna@example.org"]]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm/[^\s]+/)", sent.body).group(1)
    owner = Browser(server.url)
    assert owner.post(link, {})[0] == 302 and owner.logged_in()

    thief = Browser(server.url, ip="203.0.113.66")
    status, _location, body = thief.post(link, {}, form_path="/accounts/login/")
    assert status == 410 and "al gebruikt" in body and "/accounts/login/" in body
    assert not thief.logged_in()


def test_a_session_ends_at_the_absolute_limit_while_in_use(server, settings):
    settings.SESSION_ABSOLUTE_LIFETIME = 60 * 60
    settings.SESSION_IDLE_TIMEOUT = 20 * 60
    UserFactory(email="piet@example.org")
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        user = Browser(server.url)
        assert user.login("piet@example.org")[0] == 302
        for _ in range(4):  # a request every 12 minutes: never idle
            clock.shift(12 * 60)
            assert user.logged_in()
        clock.shift(11 * 60 + 59)
        assert user.logged_in()  # one second before the hour is up
        clock.shift(1)  # exactly one hour after login, 1 second after the last request
        status, location, _body = user.get("/accounts/profile/")
    assert status == 302 and location.startswith("/accounts/login/")


def test_staff_without_a_second_factor_reach_no_staff_page(server):
    from tests.crawl import all_url_paths as _all_paths

    staff = StaffUserFactory()
    browser = Browser(server.url)
    status, location, _body = browser.login(staff.email)
    assert status == 302 and location.startswith("/accounts/mfa/setup/")
    area = [p for p in _all_paths() if p.startswith(("/staff/", "/dashboard/", "/admin/", "/brochures/manage/"))]
    assert len(area) > 20
    for path in area:
        status, location, _body = browser.get(path)
        assert status == 302 and location.startswith("/accounts/mfa/setup/?next="), path


def test_a_recovery_code_works_once(server):
    staff = StaffUserFactory()
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    recovery_codes_for(staff, ["k3y7abcd"])

    first = Browser(server.url)
    assert first.login(staff.email)[1].startswith("/accounts/mfa/verify/")
    status, location, _body = first.post("/accounts/mfa/verify/?next=/staff/", {"code": "K3Y7-ABCD"})
    assert status == 302 and location == "/staff/"
    assert first.get("/staff/")[0] == 200

    second = Browser(server.url, ip="203.0.113.77")
    second.login(staff.email)
    status, _location, body = second.post("/accounts/mfa/verify/?next=/staff/", {"code": "K3Y7-ABCD"})
    assert status == 200 and "klopt niet" in body
    assert second.get("/staff/")[0] == 302


def test_enrolment_over_http(server):
    """The whole first login of a staff member: password, QR page, first code, recovery codes, /staff/."""
    staff = StaffUserFactory()
    browser = Browser(server.url)
    _status, location, _body = browser.login(staff.email)
    _status, _location, body = browser.get(location)
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', body).group(1).replace(" ", "")
    assert not TOTPDevice.objects.filter(user=staff).exists()  # the pending secret is in this session only
    pending = TOTPDevice(user=staff, key=base64.b32decode(secret + "=" * (-len(secret) % 8)).hex())
    status, location, _body = browser.post(location, {"code": totp_code(pending)})
    assert status == 302 and location.startswith("/accounts/mfa/recovery-codes/")
    assert TOTPDevice.objects.get(user=staff).bin_key == pending.bin_key
    _status, _location, body = browser.get(location)
    assert len(re.findall(r"<code>[a-z2-7]{5}-[a-z2-7]{5}</code>", body)) == 10
    assert browser.get("/staff/")[0] == 200
