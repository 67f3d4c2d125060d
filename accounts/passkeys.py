"""Passkeys (WebAuthn) as a second factor, on django-otp-webauthn.

The library does the ceremonies (options, attestation and assertion checks, sign counters); these
subclasses of its views put them under the portal's rules:

- **Adding a passkey** is a sensitive action (``accounts.reauth``): with a second factor already
  set up it needs a fresh proof of password and second factor; as the first factor (staff right
  after their first password login) a fresh password. The first device of an account also gets
  recovery codes and verifies the session, exactly as enrolling an authenticator app does.
- **Using a passkey** verifies a session that passed the password (never a login on its own:
  ``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN`` is off); in a session that is verified already it
  counts as the fresh second factor of a step-up.

Every registration and use is a security event (audit trail and JSON log).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from .mfa import has_confirmed_device, passkey_enrolled, passkey_used, session_is_verified
from .reauth import password_is_fresh, reauth_is_fresh
from .security_log import security_event
from .views import start_url


class ReauthRequired(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = _("For your security, confirm it is you first (password and code), then add the passkey.")
    default_code = "reauth_required"


class _RegistrationRules:
    def check_can_register(self):
        request = self.request
        fresh = reauth_is_fresh(request) if has_confirmed_device(request.user) else password_is_fresh(request)
        if not fresh:
            raise ReauthRequired()


class PasskeyRegistrationBegin(_RegistrationRules, BeginCredentialRegistrationView):
    pass


class PasskeyRegistrationComplete(_RegistrationRules, CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        first = not has_confirmed_device(self.request.user)
        was_verified = session_is_verified(self.request)
        response = super().post(*args, **kwargs)
        device = self.request.user.webauthncredential_set.order_by("-pk").first()
        passkey_enrolled(self.request, device, first=first, was_verified=was_verified)
        return response


class PasskeyAuthenticationBegin(BeginCredentialAuthenticationView):
    pass


class PasskeyAuthenticationComplete(CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        if not self.request.user.is_authenticated or device.user_id != self.request.user.pk:
            security_event("auth.mfa_failed", request=self.request, outcome="failure", method="passkey")
            raise exceptions.UserDisabled()
        passkey_used(self.request, device)

    def get_success_url(self):
        return self.get_redirect_url() or start_url(self.request.user) or reverse("home")
