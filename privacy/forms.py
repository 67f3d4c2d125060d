from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.mfa import MFAError, has_confirmed_device, mfa_verify


class AccountDeleteForm(forms.Form):
    """Re-enter the password (and a second-factor code where the user has one) to ask for deletion."""

    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=_("Code from your authenticator app (or a recovery code)"), required=False, max_length=32
    )
    understood = forms.BooleanField(
        label=_("I understand that my account and my personal data will be erased and that this cannot be undone.")
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if not has_confirmed_device(request.user):
            del self.fields["code"]
        else:  # an empty code is a missing field, not a wrong code that slows the session down
            self.fields["code"].required = True

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.request.user.check_password(password):
            raise forms.ValidationError(_("This password is not correct."))
        return password

    def clean(self):
        cleaned = super().clean()
        if "code" in self.fields and not self.errors:
            try:
                mfa_verify(request=self.request, code=cleaned.get("code") or "")
            except MFAError as error:
                self.add_error("code", error.message)
        return cleaned
