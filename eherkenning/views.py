"""eHerkenning login (authorization code flow with PKCE, state and nonce), callback and the
organisation form for a KvK number the portal does not know yet. Thin: the checks live in
``client`` (token), ``claims`` (mapping, assurance level) and ``services`` (people, organisations)."""

from __future__ import annotations

import logging
import time

import requests
from authlib.integrations.base_client.errors import OAuthError
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError

from accounts.constants import OIDC_LOGOUT_URL_SESSION_KEY
from accounts.oidc import oidc_enabled
from accounts.ratelimit import ratelimit
from accounts.security_log import security_event
from accounts.views import start_url
from organisations.forms import OrganisationForm
from organisations.policies import safe_next_url

from .claims import LoginRefused, leeway, login_from_claims
from .client import DiscoveryError, broker_client
from .services import (
    eherkenning_organisation_create,
    eherkenning_organisation_link,
    eherkenning_user_resolve,
    pending_login,
)

NEXT_SESSION_KEY = "_eherkenning_next"
#: How long a started login (its state, nonce and code verifier) stays usable.
STATE_MAX_AGE_SECONDS = 600

_NOT_VERIFIED = gettext_lazy(
    "The answer from eHerkenning could not be verified, so you have not been logged in. Start the login "
    "again; if this keeps happening, contact the IMVO desk."
)
MESSAGES = {
    "state_invalid": gettext_lazy(
        "This eHerkenning login was already completed, has expired or was started in another browser. "
        "Start the login again."
    ),
    "token_expired": gettext_lazy("The answer from eHerkenning has expired. Start the login again."),
    "provider_error": gettext_lazy("The login with eHerkenning was cancelled or refused by eHerkenning."),
    "provider_unreachable": gettext_lazy(
        "eHerkenning cannot be reached at the moment. Try again later, or log in with your e-mail address."
    ),
}
STATUS = {"provider_unreachable": 503, "assurance_too_low": 403, "inactive": 403}


def _refused(request, reason: str, message=None):
    security_event(
        "auth.oidc_refused",
        request=request,
        outcome="failure",
        level=logging.WARNING,
        reason=reason,
        source="eherkenning",
    )
    text = message or MESSAGES.get(reason) or _NOT_VERIFIED
    return render(
        request,
        "eherkenning/refused.html",
        {"title": _("Login with eHerkenning refused"), "message": text},
        status=STATUS.get(reason, 400),
    )


def _token_failure_reason(error: Exception) -> str:
    if isinstance(error, ExpiredTokenError):
        return "token_expired"
    if isinstance(error, BadSignatureError):
        return "signature_invalid"
    if isinstance(error, InvalidClaimError | MissingClaimError):
        claim = getattr(error, "claim", "")
        named = {
            "nonce": "nonce_mismatch",
            "iss": "issuer_mismatch",
            "aud": "audience_mismatch",
            "azp": "audience_mismatch",
        }
        if claim in named:
            return named[claim]
        if claim in ("iat", "nbf"):
            return "token_not_yet_valid"
        return "claim_invalid" if isinstance(error, InvalidClaimError) else "claim_missing"
    return "token_invalid"


class EnabledMixin:
    def dispatch(self, request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


@method_decorator([never_cache, ratelimit("oidc", key="ip", methods=("GET",))], name="dispatch")
class LoginStartView(EnabledMixin, View):
    """Redirects to the broker's authorization endpoint (response_type=code, state, nonce, PKCE)."""

    def get(self, request):
        request.session[NEXT_SESSION_KEY] = safe_next_url(request, request.GET.get("next"), "")
        redirect_uri = request.build_absolute_uri(reverse("eherkenning:callback"))
        try:
            # A step-up (accounts/reauth.py) asks the broker to authenticate the person again.
            extra = {"prompt": "login"} if request.GET.get("reauth") else {}
            return broker_client().authorize_redirect(request, redirect_uri, **extra)
        except DiscoveryError:
            return _refused(request, "issuer_mismatch", MESSAGES["provider_unreachable"])
        except (requests.RequestException, ValueError, KeyError):
            return _refused(request, "provider_unreachable")


@method_decorator([never_cache, ratelimit("oidc", key="ip", methods=("GET",))], name="dispatch")
class CallbackView(EnabledMixin, View):
    def get(self, request):
        client = broker_client()
        state = request.GET.get("state") or ""
        code = request.GET.get("code") or ""
        entry = request.session.get(f"_state_{client.name}_{state}") if state else None
        state_data = client.framework.get_state_data(request.session, state) if entry else None
        if state:
            client.framework.clear_state_data(request.session, state)  # single use, whatever follows
        if request.GET.get("error"):
            return _refused(request, "provider_error")
        iss = request.GET.get("iss")
        if iss is not None and iss.rstrip("/") != client.expected_issuer.rstrip("/"):  # RFC 9207: mix-up defence
            return _refused(request, "issuer_mismatch")
        if (
            not state_data
            or not code
            or entry.get("exp", 0) - client.framework.expires_in + STATE_MAX_AGE_SECONDS < time.time()
        ):
            return _refused(request, "state_invalid")
        try:
            token = client.fetch_access_token(
                code=code, redirect_uri=state_data["redirect_uri"], code_verifier=state_data["code_verifier"]
            )
        except (requests.RequestException, DiscoveryError):
            return _refused(request, "provider_unreachable")
        except OAuthError:
            return _refused(request, "token_request_failed")
        if not token.get("id_token"):
            return _refused(request, "id_token_missing")
        try:
            claims = client.parse_id_token(token, nonce=state_data["nonce"], leeway=leeway())
        except (requests.RequestException, DiscoveryError):
            return _refused(request, "provider_unreachable")
        except (JoseError, ValueError) as error:
            return _refused(request, _token_failure_reason(error))
        try:
            login = login_from_claims(dict(claims), issuer=client.load_server_metadata()["issuer"])
            user, _created = eherkenning_user_resolve(login=login, request=request)
        except LoginRefused as refusal:
            return _refused(request, refusal.reason, refusal.message)
        next_url = request.session.get(NEXT_SESSION_KEY) or ""
        request.login_method = "eherkenning"
        request.login_details = {"assurance": login.assurance, "kvk_number": login.kvk_number}
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        self._remember_logout(request, client, token["id_token"])
        organisation = eherkenning_organisation_link(login=login, request=request)
        if organisation is None:
            messages.info(request, _("Register your organisation to continue. Its KvK number comes from eHerkenning."))
            return redirect("eherkenning:organisation")
        messages.success(request, _("You are logged in with eHerkenning for %(name)s.") % {"name": organisation.name})
        return redirect(next_url or start_url(user))

    @staticmethod
    def _remember_logout(request, client, id_token: str) -> None:
        metadata = client.load_server_metadata()
        if not metadata.get("end_session_endpoint"):
            return
        result = client.create_logout_url(
            post_logout_redirect_uri=request.build_absolute_uri(reverse("home")),
            id_token_hint=id_token,
            client_id=client.client_id,
        )
        request.session[OIDC_LOGOUT_URL_SESSION_KEY] = result["url"]


class OrganisationCreateView(LoginRequiredMixin, FormView):
    """The organisation form for a KvK number that eHerkenning sent and the portal does not know:
    the number is fixed (a disabled field ignores whatever is posted)."""

    template_name = "organisations/form.html"
    form_class = OrganisationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and pending_login(request) is None:
            return redirect("organisations:home")
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["kvk_number"].disabled = True
        form.fields["kvk_number"].help_text = _("From eHerkenning: the organisation you logged in for.")
        return form

    def get_initial(self):
        return {"kvk_number": pending_login(self.request)["kvk_number"]}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Register your organisation"), **kwargs)

    def form_valid(self, form):
        try:
            organisation = eherkenning_organisation_create(request=self.request, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except LoginRefused as refusal:
            messages.error(self.request, refusal.message)
            return redirect("accounts:login")
        messages.success(
            self.request, _("%(name)s has been registered. You are its administrator.") % {"name": organisation.name}
        )
        return redirect(
            self.request.session.pop(NEXT_SESSION_KEY, "") or reverse("organisations:detail", args=[organisation.pk])
        )
