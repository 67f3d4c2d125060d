from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from notifications.services import email_queue

from .constants import LANGUAGE_CHOICES
from .identity import normalise_email
from .models import User


def _helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class SignupForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    language = forms.ChoiceField(label=_("Language for e-mails"), choices=LANGUAGE_CHOICES)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Repeat password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    accept_privacy = forms.BooleanField(
        label=_("I have read the privacy statement and agree that RVO processes my data for the missions."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = (get_language() or "nl")[:2]
        # The link sits outside the label (a click on it does not tick the box) and opens in a new
        # tab, so what was typed in this form is not lost; its text says so.
        self.fields["accept_privacy"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("privacy"),
            _("Read the privacy statement (opens in a new tab)"),
        )
        self.helper = _helper(_("Create account"))

    def clean_email(self) -> str:
        # Existing addresses are not revealed here: the service mails the owner instead.
        return normalise_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Please enter a correct e-mail address and password. If you have just signed up, "
            "first confirm your e-mail address with the link we sent you."
        ),
        "inactive": _("This account is inactive."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("E-mail address")
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
        self.helper = _helper(_("Log in"))

    def clean_username(self) -> str:
        # The same identity the lockout keys on (accounts.identity).
        return normalise_email(self.cleaned_data.get("username"))


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))


class PortalPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Change password"))


class PortalPasswordResetForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        self.helper = _helper(_("Send reset link"))

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        user = context["user"]
        # The link is built from PORTAL_BASE_URL like every other mail's, never from the request's host.
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        email_queue(
            to=to_email,
            template="accounts/email/password_reset",
            context={**context, "reset_url": settings.PORTAL_BASE_URL + path},
            language=user.language,
            kind="password_reset",
            contains_secret=True,
        )


class PortalSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Set password"))


class MFACodeForm(forms.Form):
    """One field for a six-digit authenticator code or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, submit_label=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if help_text:
            self.fields["code"].help_text = help_text
        self.helper = _helper(submit_label or _("Verify"))


class ReauthForm(forms.Form):
    """The step-up: the password and/or a fresh code, as the account has them."""

    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )

    def __init__(self, *args, asks_password: bool, asks_code: bool, offers_passkey: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not asks_password:
            del self.fields["password"]
        if not asks_code:
            del self.fields["code"]
        elif offers_passkey:  # a passkey used on the page instead of a code
            self.fields["code"].required = False
