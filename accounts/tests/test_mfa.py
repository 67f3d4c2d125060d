"""The second factor: mandatory for RVO staff, ministry and superusers, optional for companies."""

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCode, User
from accounts.recovery import recovery_code_matches
from audit.models import AuditEvent
from notifications.models import OutboxMessage
from tests.crawl import all_url_paths
from tests.factories import MinistryUserFactory, StaffUserFactory, UserFactory
from tests.mfa import login_staff, mfa_pause_over, recovery_codes_for, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
OPEN = ("/accounts/mfa/", "/accounts/logout/", "/i18n/", "/healthz", "/static/")


def _superuser():
    return User.objects.create_superuser(email="root@example.org", password=PASSWORD, full_name="Root")


def _password_login(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


@pytest.mark.parametrize("make_user", [StaffUserFactory, MinistryUserFactory, _superuser])
def test_without_a_second_factor_no_page_answers(client, make_user):
    user = make_user()
    _password_login(client, user)
    paths = all_url_paths()
    assert {"/staff/", "/dashboard/", "/admin/", "/brochures/manage/"} <= set(paths)
    for path in paths:
        if path.startswith(OPEN):
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("accounts:mfa_setup") + "?next="), path
    # A POST to a staff page does not slip through either.
    assert client.post("/staff/").status_code == 302


def _secret_from_page(body: str) -> bytes:
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', body).group(1).replace(" ", "")
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def _code(key: bytes, offset: int = 0) -> str:
    totp = TOTP(key)
    totp.time = totp.time + offset * 30
    return f"{totp.token():06d}"


def test_staff_enrol_with_a_code_and_get_recovery_codes_once(client):
    user = StaffUserFactory()
    response = _password_login(client, user)
    setup = client.get(response["Location"])
    body = setup.content.decode()
    assert setup.status_code == 200
    # The QR code is an SVG made here, not an image from an external service.
    assert re.search(r'<img src="data:image/svg\+xml;base64,', body)
    key = _secret_from_page(body)

    wrong = client.post(
        setup.request["PATH_INFO"] + "?next=/staff/", {"code": "000000" if _code(key) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and "klopt niet" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="auth.mfa_failed", actor=user, details__stage="enrol").exists()

    assert not TOTPDevice.objects.filter(user=user).exists()  # the pending secret is in the session only
    mfa_pause_over(client)  # the wrong code above asked this session for a one-second pause
    response = client.post(reverse("accounts:mfa_setup") + "?next=/staff/", {"code": _code(key)})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_recovery_codes"))
    codes_page = client.get(response["Location"])
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", codes_page.content.decode())
    assert len(codes) == 10
    assert client.get(response["Location"]).status_code == 302  # shown once only
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa_enrolled", actor=user).count() == 1


def test_the_verify_step_takes_an_app_code_and_cycles_the_session(client):
    user = StaffUserFactory()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    _password_login(client, user)
    before = client.session.session_key
    assert client.get("/staff/")["Location"] == reverse("accounts:mfa_verify") + "?next=%2Fstaff%2F"
    response = client.post(reverse("accounts:mfa_verify") + "?next=/staff/", {"code": totp_code(device)})
    assert response["Location"] == "/staff/"
    assert client.session.session_key != before
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa_verified", actor=user).exists()


def test_a_code_works_only_once(client):
    user = StaffUserFactory()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    code = totp_code(device)
    _password_login(client, user)
    client.post(reverse("accounts:mfa_verify"), {"code": code})
    other = client.__class__()
    _password_login(other, user)
    response = other.post(reverse("accounts:mfa_verify"), {"code": code})
    assert response.status_code == 200 and other.get("/staff/").status_code == 302


def _enrolled_with_recovery_codes(user) -> list[str]:
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    codes = ["abcd2345", "efgh2345"]
    recovery_codes_for(user, codes)
    return codes


def test_a_recovery_code_works_once(client):
    user = StaffUserFactory()
    codes = _enrolled_with_recovery_codes(user)
    _password_login(client, user)
    response = client.post(reverse("accounts:mfa_verify"), {"code": "ABCD-2345"}, follow=True)
    assert response.redirect_chain[-1][0] == "/staff/" and "nog 1" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.mfa_recovery_code_used", actor=user)
    assert event.details == {"method": "recovery", "remaining": 1}

    again = client.__class__()
    _password_login(again, user)
    response = again.post(reverse("accounts:mfa_verify"), {"code": codes[0]})
    assert response.status_code == 200 and "klopt niet" in response.content.decode()
    assert again.get("/staff/").status_code == 302


def test_wrong_codes_are_throttled_and_audited(client):
    user = StaffUserFactory()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    _password_login(client, user)
    right = totp_code(device)
    wrong = "000000" if right != "000000" else "111111"
    client.post(reverse("accounts:mfa_verify"), {"code": wrong})
    # Straight after a wrong code even the right one must wait (1, 2, 4 … seconds).
    response = client.post(reverse("accounts:mfa_verify"), {"code": right})
    assert response.status_code == 200 and "Te veel onjuiste codes" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.mfa_failed", actor=user).count() == 1
    assert AuditEvent.objects.filter(action="auth.mfa_throttled", actor=user).count() == 1
    assert client.get("/staff/").status_code == 302


def test_next_must_stay_on_this_site(client):
    user = StaffUserFactory()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    _password_login(client, user)
    response = client.post(reverse("accounts:mfa_verify") + "?next=https://evil.example/", {"code": totp_code(device)})
    assert response["Location"] == "/staff/"


def test_company_users_may_turn_it_on_and_then_need_it(client):
    user = UserFactory(email="bedrijf@example.org")
    _password_login(client, user)
    assert client.get(reverse("accounts:profile")).status_code == 200  # optional: not asked
    page = client.get(reverse("accounts:mfa_manage"))
    assert reverse("accounts:mfa_setup") in page.content.decode()
    key = _secret_from_page(client.get(reverse("accounts:mfa_setup")).content.decode())
    client.post(reverse("accounts:mfa_setup"), {"code": _code(key)})

    client.post(reverse("accounts:logout"))
    _password_login(client, user)
    assert client.get(reverse("accounts:profile"))["Location"].startswith(reverse("accounts:mfa_verify"))
    client.post(reverse("accounts:mfa_verify"), {"code": _code(key, offset=1)})
    assert client.get(reverse("accounts:profile")).status_code == 200

    client.post(reverse("accounts:mfa_manage"), {"disable": "1"})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="auth.mfa_disabled", actor=user).exists()


def test_staff_cannot_turn_it_off(client):
    user = StaffUserFactory()
    login_staff(client, user)
    response = client.post(reverse("accounts:mfa_manage"), {"disable": "1"}, follow=True)
    assert "kan verificatie in twee stappen niet worden uitgezet" in response.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()


def test_new_recovery_codes_replace_the_old_ones(client):
    user = StaffUserFactory()
    old = _enrolled_with_recovery_codes(user)
    login_staff(client, user)
    response = client.post(reverse("accounts:mfa_manage"), {"regenerate": "1"}, follow=True)
    new = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", response.content.decode())
    assert len(new) == 10
    digests = list(RecoveryCode.objects.filter(device__user=user).values_list("digest", flat=True))
    assert len(digests) == 10
    for code in new:  # kept only as hashes, each new code matches one, no old code matches any
        assert code.replace("-", "") not in " ".join(digests)
        assert sum(recovery_code_matches(d, code.replace("-", "")) for d in digests) == 1
    assert not any(recovery_code_matches(d, code) for d in digests for code in old)
    assert AuditEvent.objects.filter(action="auth.mfa_recovery_codes_regenerated", actor=user).exists()


def test_an_admin_resets_a_second_factor_with_an_audited_action(client):
    operator = _superuser()
    staff = StaffUserFactory()
    login_staff(client, operator)
    target = client.__class__()
    login_staff(target, staff)
    assert target.get("/staff/").status_code == 200

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [staff.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=staff).exists()
    event = AuditEvent.objects.get(action="auth.mfa_reset")
    assert event.actor == operator and event.object_id == str(staff.pk)
    # Every session of the account has ended (nobody can enrol in a session that passed only the
    # password before the reset), and the user is told by e-mail.
    assert target.get("/staff/")["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in target.session
    mail = OutboxMessage.objects.get(kind="mfa_reset")
    assert mail.to == [staff.email] and "opnieuw ingesteld" in mail.subject


def test_only_an_operator_may_reset_a_second_factor(client):
    """Admin-site access (``is_staff``) with a view permission is not enough: the action is not
    offered, a forged POST changes nothing, and the service refuses whoever calls it."""
    from django.contrib.auth.models import Permission
    from django.core.exceptions import PermissionDenied

    from accounts.mfa import mfa_reset

    victim = StaffUserFactory()
    login_staff(client.__class__(), victim)  # enrols the victim's authenticator
    assert TOTPDevice.objects.filter(user=victim).exists()
    admin_clerk = StaffUserFactory(is_staff=True)
    admin_clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"], content_type__app_label="accounts")
    )
    login_staff(client, admin_clerk)
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert changelist.status_code == 200
    assert "reset_second_factor" not in changelist.content.decode()
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [victim.pk]},
    )
    assert TOTPDevice.objects.filter(user=victim).exists()
    for actor in (admin_clerk, StaffUserFactory(), None):
        with pytest.raises(PermissionDenied):
            mfa_reset(user=victim, actor=actor)
    assert TOTPDevice.objects.filter(user=victim).exists()
    assert not AuditEvent.objects.filter(action="auth.mfa_reset").exists()


def test_the_admin_does_not_show_second_factor_secrets(client):
    login_staff(client, _superuser())
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    assert client.get("/admin/accounts/recoverycodedevice/").status_code == 404


def test_unverified_sessions_see_no_role_navigation(client):
    _password_login(client, StaffUserFactory())
    body = client.get(reverse("accounts:mfa_setup")).content.decode()
    assert reverse("staff:overview") not in body and reverse("organisations:home") not in body


def test_staff_and_ministry_do_not_see_company_menu_items(client):
    for factory in (StaffUserFactory, MinistryUserFactory):
        login_staff(client, factory())
        body = client.get("/").content.decode()
        assert reverse("organisations:home") not in body and reverse("my:overview") not in body
    client.force_login(UserFactory())
    assert reverse("organisations:home") in client.get("/").content.decode()
