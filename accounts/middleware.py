"""The one place where the second factor is enforced (see ``accounts.mfa``)."""

from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from .mfa import has_confirmed_device, mfa_required, session_is_verified


@cache
def _open_prefixes() -> tuple[str, ...]:
    """Paths an unverified session may still reach: this flow, logout, language, static files, health."""
    return (
        reverse("accounts:mfa_manage"),  # every page under /accounts/mfa/
        reverse("accounts:logout"),
        reverse("set_language"),
        reverse("language_switch", args=["nl"]).rsplit("nl/", 1)[0],  # every /i18n/language/<code>/
        reverse("healthz"),
        settings.STATIC_URL,
    )


class MFARequiredMiddleware:
    """Until a session that needs a second factor is verified, every other request goes to the
    verify page (or to enrolment when the user has no authenticator yet), keeping ``next``.

    Installed after ``django_otp.middleware.OTPMiddleware`` and the session limits. Applies to all
    of ``/staff/``, ``/dashboard/``, ``/admin/``, brochure management and every other page alike,
    so a new view cannot forget it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.mfa_pending = False
        if mfa_required(request) and not session_is_verified(request):
            request.mfa_pending = True
            if not request.path.startswith(_open_prefixes()):
                target = "accounts:mfa_verify" if has_confirmed_device(request.user) else "accounts:mfa_setup"
                url = reverse(target)
                if request.method == "GET":
                    url += "?" + urlencode({"next": request.get_full_path()})
                return redirect(url)
        return self.get_response(request)


class PrivateResponseMiddleware:
    """Every response to a logged-in user is ``Cache-Control: no-store, private``.

    A page that shows a person's data must never be kept by a shared proxy or by the browser's
    back/forward cache on a shared computer; rather than trusting every view to say so, any
    response to a request with a logged-in user (second factor pending or not) is marked. Static
    files (WhiteNoise, earlier in the chain) and anonymous pages keep their own caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
