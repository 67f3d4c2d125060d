from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView, View

from core.forms import RedirectAfterFailedPostMixin

from .constants import MINISTRY_GROUP, OIDC_LOGOUT_URL_SESSION_KEY, RVO_STAFF_GROUP
from .exceptions import AccountError, ConfirmationLinkUsed
from .forms import (
    LoginForm,
    MFACodeForm,
    PortalPasswordChangeForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    ProfileForm,
    ReauthForm,
    SignupForm,
)
from .identity import normalise_email
from .mfa import (
    FACTOR_AT_SESSION_KEY,
    NEW_CODES_SESSION_KEY,
    AlreadyEnrolled,
    MFAError,
    has_confirmed_device,
    has_passkey,
    has_totp,
    mfa_disable,
    mfa_enrol_confirm,
    mfa_mandatory,
    mfa_required,
    mfa_verify,
    recovery_codes_regenerate,
    recovery_codes_remaining,
    session_is_verified,
    totp_device_pending,
    totp_qr_data_uri,
    totp_secret,
)
from .oidc import oidc_enabled
from .ratelimit import RateLimitMixin, too_many_requests
from .reauth import ReauthFailed, password_is_fresh, reauth_confirm, reauth_is_fresh, reauth_needs
from .security import known_device_cookie_set, login_throttle_success, login_throttle_wait
from .security_log import security_event
from .services import confirmation_link_check, user_confirm_email, user_profile_update, user_signup


def start_url(user) -> str:
    """Where a user lands after login (unless a safe ``next`` says otherwise): staff on the
    back-office, the ministry on the dashboard, a company user on their registrations, or on the
    organisation start page while they belong to no organisation yet."""
    groups = user.group_names
    if RVO_STAFF_GROUP in groups:
        return reverse("staff:overview")
    if MINISTRY_GROUP in groups:
        return reverse("dashboard:index")
    if user.is_superuser:
        return reverse("admin:index")
    if not user.memberships.exists():
        return reverse("organisations:start")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def next_url(request, default: str) -> str:
    """The ``next`` parameter if it points into this site (no open redirect), else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _with_next(url_name: str, next_: str) -> str:
    return reverse(url_name) + "?" + urlencode({"next": next_})


def mfa_redirect_url(request, next_: str) -> str:
    """Where a session that still needs its second factor goes: verify, or enrol first."""
    target = "accounts:mfa_verify" if has_confirmed_device(request.user) else "accounts:mfa_setup"
    return _with_next(target, next_)


class SignupView(RateLimitMixin, FormView):
    ratelimits = [("signup", "ip")]
    template_name = "accounts/signup.html"
    form_class = SignupForm
    success_url = reverse_lazy("accounts:signup_done")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        user_signup(
            email=data["email"],
            full_name=data["full_name"],
            password=data["password1"],
            language=data["language"],
            request=self.request,
        )
        self.request.session["signup_email"] = data["email"]
        return super().form_valid(form)


class SignupDoneView(TemplateView):
    template_name = "accounts/signup_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(email=self.request.session.get("signup_email", ""), **kwargs)


class ConfirmEmailView(View):
    """The link in the confirmation e-mail: works once, then says it was used and offers the login page."""

    def _refused(self, request, error):
        used = isinstance(error, ConfirmationLinkUsed)
        security_event(
            "auth.confirmation_link_refused",
            request=request,
            outcome="failure",
            reason=type(error).__name__,
        )
        return render(
            request,
            "accounts/link_refused.html",
            {"title": _("Link already used") if used else _("Link not valid"), "message": error.message, "used": used},
            status=410 if used else 400,
        )

    def get(self, request, token):
        try:
            confirmation_link_check(token=token)
        except AccountError as error:
            return self._refused(request, error)
        return render(request, "accounts/confirm.html", {"token": token})

    def post(self, request, token):
        # Confirmation happens on POST so that mail scanners following the link confirm nothing.
        try:
            user = user_confirm_email(token=token, request=request)
        except AccountError as error:
            return self._refused(request, error)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your e-mail address is confirmed. Welcome!"))
        return redirect("organisations:start")


class LoginView(RateLimitMixin, auth_views.LoginView):
    ratelimits = [("login", "ip")]
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = normalise_email(request.POST.get("username"))
        wait = login_throttle_wait(request, username)
        if wait:
            security_event(
                "auth.login_failed",
                request=request,
                outcome="failure",
                username=username,
                reason="account_throttled",
                retry_after=wait,
            )
            return too_many_requests(request, wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        login_throttle_success(user.email)
        known_device_cookie_set(self.request, response, user.email)
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(oidc_enabled=oidc_enabled(), **kwargs)

    def get_success_url(self):
        url = self.get_redirect_url() or start_url(self.request.user)
        if mfa_required(self.request) and not session_is_verified(self.request):
            return mfa_redirect_url(self.request, url)
        return url


class LogoutView(auth_views.LogoutView):
    """After an eHerkenning login the logout continues at the provider (RP-initiated logout),
    which sends the browser back to the home page."""

    template_name = "accounts/logged_out.html"

    def post(self, request, *args, **kwargs):
        provider_logout_url = request.session.get(OIDC_LOGOUT_URL_SESSION_KEY)
        response = super().post(request, *args, **kwargs)
        if provider_logout_url:
            return HttpResponseRedirect(provider_logout_url)
        return response


class PasswordChangeView(RateLimitMixin, auth_views.PasswordChangeView):
    # The current password is checked here too: someone holding a session cannot guess it freely.
    ratelimits = [("password_change", "user"), ("password_change", "ip")]

    def dispatch(self, request, *args, **kwargs):
        # With a second factor, a new password also needs a fresh code (ASVS 7.5.1): a step-up first.
        if request.user.is_authenticated and has_confirmed_device(request.user) and not reauth_is_fresh(request):
            return redirect(_with_next("accounts:reauth", request.get_full_path()))
        return super().dispatch(request, *args, **kwargs)

    template_name = "accounts/form_page.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("accounts:profile")
    extra_context = {"title": gettext_lazy("Change password")}  # lazy: rendered per request language

    def form_valid(self, form):
        response = super().form_valid(form)
        security_event("auth.password_change", request=self.request, user=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(RateLimitMixin, auth_views.PasswordResetView):
    ratelimits = [
        ("password_reset", "ip"),
        ("password_reset_email", lambda request: normalise_email(request.POST.get("email")) or None),
    ]
    template_name = "accounts/form_page.html"
    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {"title": gettext_lazy("Forgot your password?")}

    def form_valid(self, form):
        security_event(
            "auth.password_reset_requested",
            request=self.request,
            username=form.cleaned_data["email"][:254],
        )
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = PortalSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        security_event("auth.password_reset", request=self.request, user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class ProfileView(LoginRequiredMixin, RedirectAfterFailedPostMixin, FormView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.request.user}

    def form_valid(self, form):
        user_profile_update(
            user=self.request.user,
            full_name=form.cleaned_data["full_name"],
            language=form.cleaned_data["language"],
            request=self.request,
        )
        messages.success(self.request, _("Your details have been saved."))
        return redirect("accounts:profile")


# --- second factor ---------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class MFAVerifyView(LoginRequiredMixin, RateLimitMixin, FormView):
    """After the password: a code from the authenticator app, or one recovery code."""

    ratelimits = [("mfa", "session"), ("mfa", "ip")]
    template_name = "accounts/mfa_verify.html"
    form_class = MFACodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            target = next_url(request, start_url(request.user))
            if session_is_verified(request):
                return redirect(target)
            if not has_confirmed_device(request.user):
                return redirect(_with_next("accounts:mfa_setup", target))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "submit_label": _("Verify"),
            "help_text": _("The six digits in your authenticator app, or one of your recovery codes."),
        }

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            next=next_url(self.request, ""), has_totp=has_totp(user), has_passkey=has_passkey(user), **kwargs
        )

    def form_valid(self, form):
        try:
            method = mfa_verify(request=self.request, code=form.cleaned_data["code"])
        except MFAError as error:
            form.add_error("code", error.message)
            return self.form_invalid(form)
        if method == "recovery":
            remaining = recovery_codes_remaining(self.request.user)
            messages.warning(
                self.request,
                _(
                    "You used a recovery code; %(remaining)s remain. Each code works once: make new ones "
                    "on your account page when few are left."
                )
                % {"remaining": remaining},
            )
        return redirect(next_url(self.request, start_url(self.request.user)))


@method_decorator(never_cache, name="dispatch")
class MFASetupView(LoginRequiredMixin, RateLimitMixin, FormView):
    """Enrol an authenticator app: QR code and secret, confirmed with a first code."""

    ratelimits = [("mfa", "session"), ("mfa", "ip")]
    template_name = "accounts/mfa_setup.html"
    form_class = MFACodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and has_confirmed_device(request.user):
            if session_is_verified(request):
                messages.info(request, _("Two-step verification is already on for your account."))
                return redirect("accounts:mfa_manage")
            return redirect(_with_next("accounts:mfa_verify", next_url(request, start_url(request.user))))
        if request.user.is_authenticated and not password_is_fresh(request):
            # Adding a first authenticator to a session that only stayed logged in: prove the password first.
            return redirect(_with_next("accounts:reauth", request.get_full_path()))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Turn on two-step verification")}

    def get_context_data(self, **kwargs):
        device = totp_device_pending(self.request)
        return super().get_context_data(
            qr_code=totp_qr_data_uri(device),
            secret=totp_secret(device),
            mandatory=mfa_mandatory(self.request.user),
            next=next_url(self.request, ""),
            # Where the page goes once a passkey is registered (static/js/passkeys.js).
            passkey_done_url=_with_next(
                "accounts:mfa_recovery_codes", next_url(self.request, start_url(self.request.user))
            ),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            mfa_enrol_confirm(request=self.request, code=form.cleaned_data["code"])
        except AlreadyEnrolled as error:
            messages.error(self.request, error.message)
            return redirect(_with_next("accounts:mfa_verify", next_url(self.request, start_url(self.request.user))))
        except MFAError as error:
            form.add_error("code", error.message)
            return self.form_invalid(form)
        return redirect(_with_next("accounts:mfa_recovery_codes", next_url(self.request, start_url(self.request.user))))


@method_decorator(never_cache, name="dispatch")
class MFARecoveryCodesView(LoginRequiredMixin, TemplateView):
    """New recovery codes, shown once."""

    template_name = "accounts/mfa_recovery_codes.html"

    def get(self, request, *args, **kwargs):
        codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
        if not codes or not session_is_verified(request):
            return redirect("accounts:mfa_manage")
        return self.render_to_response(
            self.get_context_data(codes=codes, next=next_url(request, reverse("accounts:mfa_manage")))
        )


@method_decorator(never_cache, name="dispatch")
class MFAManageView(LoginRequiredMixin, TemplateView):
    """The account page's second-factor section: status, new recovery codes, switch off (company users)."""

    template_name = "accounts/mfa_manage.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and mfa_required(request) and not session_is_verified(request):
            return redirect(mfa_redirect_url(request, reverse("accounts:mfa_manage")))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            enrolled=has_confirmed_device(user),
            has_totp=has_totp(user),
            passkeys=list(user.webauthncredential_set.filter(confirmed=True).order_by("created_at")),
            fresh=reauth_is_fresh(self.request),
            mandatory=mfa_mandatory(user),
            remaining=recovery_codes_remaining(user),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not has_confirmed_device(request.user):
            return redirect("accounts:mfa_setup")
        if not reauth_is_fresh(request):
            messages.info(
                request, _("For your security, confirm it is you before you change your two-step verification.")
            )
            return redirect(_with_next("accounts:reauth", reverse("accounts:mfa_manage")))
        if "regenerate" in request.POST:
            recovery_codes_regenerate(request=request)
            return redirect(_with_next("accounts:mfa_recovery_codes", reverse("accounts:mfa_manage")))
        if "disable" in request.POST:
            try:
                mfa_disable(request=request)
            except MFAError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Two-step verification is off."))
        return redirect("accounts:mfa_manage")


@method_decorator(never_cache, name="dispatch")
class ReauthView(LoginRequiredMixin, RateLimitMixin, FormView):
    """Step-up before a sensitive action (``accounts.reauth``): the password and a fresh code."""

    ratelimits = [("reauth", "user"), ("reauth", "ip")]
    template_name = "accounts/reauth.html"
    form_class = ReauthForm

    def get_form_kwargs(self):
        asks_password, asks_code, offers_passkey = reauth_needs(self.request.user)
        return {
            **super().get_form_kwargs(),
            "asks_password": asks_password,
            "asks_code": asks_code,
            "offers_passkey": offers_passkey,
        }

    def get_context_data(self, **kwargs):
        asks_password, asks_code, offers_passkey = reauth_needs(self.request.user)
        return super().get_context_data(
            next=next_url(self.request, reverse("accounts:profile")),
            asks_password=asks_password,
            asks_code=asks_code,
            offers_passkey=offers_passkey,
            passkey_fresh=offers_passkey and bool(self.request.session.get(FACTOR_AT_SESSION_KEY)),
            minutes=max(1, settings.REAUTH_MAX_AGE // 60),
            oidc_enabled=oidc_enabled(),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            reauth_confirm(
                request=self.request,
                password=form.cleaned_data.get("password", ""),
                code=form.cleaned_data.get("code", ""),
            )
        except ReauthFailed as error:
            form.add_error("password", error.message)
            return self.form_invalid(form)
        except MFAError as error:
            form.add_error("code", error.message)
            return self.form_invalid(form)
        return redirect(next_url(self.request, reverse("accounts:profile")))


@never_cache
def admin_login(request):
    """``/admin/login/`` is the portal's login, not Django's own view: one door for passwords, with
    the same rate limit, per-account throttle, lockout and second factor (the admin's ``next`` is kept)."""
    target = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


@never_cache
def admin_password_change(request):
    """The admin's password change is the portal's (rate limited, audited)."""
    return HttpResponseRedirect(reverse("accounts:password_change"))
