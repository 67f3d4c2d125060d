from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from audit.services import audit_event_record

from .forms import (
    LoginForm,
    PortalPasswordChangeForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    ProfileForm,
    SignupForm,
)
from .models import User
from .services import user_confirm_email, user_profile_update, user_signup


class SignupView(FormView):
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
    def get(self, request, token):
        return render(request, "accounts/confirm.html", {"token": token})

    def post(self, request, token):
        # Confirmation happens on POST so that mail scanners following the link confirm nothing.
        try:
            user = user_confirm_email(token=token, request=request)
        except signing.SignatureExpired:
            messages.error(request, _("This confirmation link has expired. Please sign up again."))
            return redirect("accounts:signup")
        except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError):
            messages.error(request, _("This confirmation link is not valid."))
            return redirect("accounts:signup")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your e-mail address is confirmed. Welcome!"))
        return redirect("organisations:start")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/form_page.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("accounts:profile")
    extra_context = {"title": _("Change password")}

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_event_record(
            action="auth.password_change", actor=self.request.user, obj=self.request.user, request=self.request
        )
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/form_page.html"
    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {"title": _("Forgot your password?")}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = PortalSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_event_record(action="auth.password_reset", actor=form.user, obj=form.user, request=self.request)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class ProfileView(LoginRequiredMixin, FormView):
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
