"""Every door that checks a password has the portal's limits; ``/admin/login/`` is not a door of its own.

The enumeration below fails when a new view or module starts checking passwords without being
added here with the limit that covers it.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.admindocs.views import extract_views_from_urlpatterns
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.urls import get_resolver, reverse

from accounts.ratelimit import RateLimitMixin
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
ROOT = Path(django_settings.BASE_DIR)

#: Every place in the portal's own code that checks a password, and what limits it.
PASSWORD_CHECKS = {
    "privacy/forms.py": "account deletion: RATE_LIMITS['account_delete'] per user (AccountDeleteView)",
    "accounts/reauth.py": "step-up: RATE_LIMITS['reauth'] per user and per address (ReauthView)",
    "organisations/demo.py": "seed_demo compares the demo password with a stored hash; no request reaches it",
    # DRF's authenticate() hook: bearer tokens only. The client secret of an API client is checked
    # at /api/v1/oauth/token/ (api/token.py): API_TOKEN_RATE_LIMIT per client id and per address.
    "api/authentication.py": "API bearer tokens; client secrets at the token endpoint: API_TOKEN_RATE_LIMIT",
}
_CHECK = re.compile(r"\b(authenticate|check_password)\(")
_PASSWORD_FORMS = (auth_forms.AuthenticationForm, auth_forms.PasswordChangeForm)


def _own_python_files():
    skip = {".venv", "node_modules", "tests", "migrations", "bench", "tools"}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if not skip & set(relative.parts):
            yield relative


def test_every_password_check_in_the_code_is_known_and_limited():
    found = {str(p) for p in _own_python_files() if _CHECK.search((ROOT / p).read_text())}
    assert found == set(PASSWORD_CHECKS), "a new password check: add it with its limit, or route it through login"


def _views():
    for view, _regex, _namespace, _name in extract_views_from_urlpatterns(get_resolver().url_patterns):
        yield getattr(view, "view_class", None) or view


def test_every_view_with_a_password_form_is_rate_limited():
    password_views = [
        v
        for v in _views()
        if isinstance(v, type)
        and (
            issubclass(v, auth_views.LoginView | auth_views.PasswordChangeView)
            or issubclass(getattr(v, "form_class", None) or object, _PASSWORD_FORMS)
            or issubclass(getattr(v, "authentication_form", None) or object, _PASSWORD_FORMS)
        )
    ]
    assert len(password_views) >= 2  # the login and the password change, at least
    unlimited = [v.__qualname__ for v in password_views if not issubclass(v, RateLimitMixin) or not v.ratelimits]
    assert not unlimited


def test_djangos_own_admin_login_is_not_reachable():
    from django.contrib import admin

    bound = {admin.site.login, admin.site.password_change}
    reachable = [v for v in _views() if getattr(v, "__func__", None) in {b.__func__ for b in bound}]
    # The admin's own views stay in its URL list, but the portal's paths come first and win.
    from django.urls import resolve

    assert resolve("/admin/login/").url_name == "admin_login"
    assert resolve("/admin/password_change/").url_name == "admin_password_change"
    assert reachable  # the test would pass vacuously if the admin's views were not found at all


def test_admin_login_sends_to_the_portal_login_keeping_next(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert "no-store" in response["Cache-Control"]


def test_the_right_password_at_admin_login_logs_nobody_in(client):
    StaffUserFactory(email="root@example.org", is_superuser=True)
    response = client.post("/admin/login/", {"username": "root@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_guesses_from_many_addresses_then_the_right_one_meet_the_throttle_at_every_door(client, settings):
    """The finding: 14 wrong passwords from 14 addresses, then the right one, used to land on /admin/."""
    settings.LOGIN_THROTTLE_FREE_ATTEMPTS = 3
    StaffUserFactory(email="root@example.org", is_superuser=True)
    for number in range(14):
        client.post(
            reverse("accounts:login"),
            {"username": "root@example.org", "password": "wrong"},
            REMOTE_ADDR=f"10.14.0.{number}",
        )
    right = {"username": "root@example.org", "password": PASSWORD}
    assert client.post("/admin/login/", right, REMOTE_ADDR="10.14.1.1").status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.post(reverse("accounts:login"), right, REMOTE_ADDR="10.14.1.1").status_code == 429


def test_many_usernames_from_one_address_get_429(client, settings):
    limit = int(settings.RATE_LIMITS["login"].split("/")[0])
    answers = [
        client.post(
            reverse("accounts:login"), {"username": f"user{n}@example.org", "password": "x"}, REMOTE_ADDR="10.34.0.1"
        ).status_code
        for n in range(limit + 4)
    ]
    assert answers[-1] == 429 and answers.count(429) >= 4


def test_guessing_the_current_password_on_password_change_is_limited(client, settings):
    user = UserFactory()
    client.force_login(user)
    limit = int(settings.RATE_LIMITS["password_change"].split("/")[0])
    url = reverse("accounts:password_change")
    data = {"old_password": "guess", "new_password1": "Another-long-pass-42", "new_password2": "Another-long-pass-42"}
    answers = [client.post(url, data).status_code for _ in range(limit + 1)]
    assert answers[:limit] == [200] * limit and answers[-1] == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
