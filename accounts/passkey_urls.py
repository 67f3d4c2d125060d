"""The WebAuthn ceremony endpoints (names as django-otp-webauthn's JavaScript expects them)."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from . import passkeys

app_name = "otp_webauthn"

urlpatterns = [
    path("registration/begin/", passkeys.PasskeyRegistrationBegin.as_view(), name="credential-registration-begin"),
    path(
        "registration/complete/",
        passkeys.PasskeyRegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/", passkeys.PasskeyAuthenticationBegin.as_view(), name="credential-authentication-begin"
    ),
    path(
        "authentication/complete/",
        passkeys.PasskeyAuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
