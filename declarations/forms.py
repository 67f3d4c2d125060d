import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .references import code_normalise, reference_normalise

RECORD_HASH = re.compile(r"[0-9a-f]{64}")


class VerifyForm(forms.Form):
    """``/verify/``: the reference and verification code from a receipt, the receipt PDF, or (for a
    receipt from before references existed) the record hash printed on it."""

    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=40,
        help_text=_("As on the receipt, for example IMVO-2027-000123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("Verification code"),
        required=False,
        max_length=40,
        help_text=_("Twelve characters, for example ABCD-EFGH-JKLM."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    record_hash = forms.CharField(
        label=_("Or the record hash"),
        required=False,
        max_length=80,
        help_text=_(
            "For a receipt without a reference (issued before references existed): the 64 characters "
            'after "Record hash" on the receipt.'
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    receipt = forms.FileField(
        label=_("Or upload the receipt (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_reference(self):
        value = self.cleaned_data.get("reference", "").strip()
        if value and not reference_normalise(value):
            raise forms.ValidationError(_("A reference looks like IMVO-2027-000123."))
        return reference_normalise(value) if value else ""

    def clean_code(self):
        value = self.cleaned_data.get("code", "").strip()
        if value and not code_normalise(value):
            raise forms.ValidationError(_("A verification code has twelve letters and digits, like ABCD-EFGH-JKLM."))
        return code_normalise(value) if value else ""

    def clean_record_hash(self):
        value = "".join(self.cleaned_data.get("record_hash", "").split()).lower()
        if value and not RECORD_HASH.fullmatch(value):
            raise forms.ValidationError(_("A record hash has 64 characters: digits and the letters a to f."))
        return value

    def clean_receipt(self):
        upload = self.cleaned_data.get("receipt")
        if upload is None:
            return None
        if upload.size > settings.VERIFY_RECEIPT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(mb)s MB); a receipt is much smaller."),
                params={"mb": settings.VERIFY_RECEIPT_MAX_BYTES // (1024 * 1024)},
            )
        content = upload.read(settings.VERIFY_RECEIPT_MAX_BYTES + 1)
        if not content.startswith(b"%PDF-"):
            raise forms.ValidationError(_("This is not a PDF file. Upload the receipt PDF you downloaded."))
        return content

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("receipt") or (data.get("record_hash") and not (data.get("reference") or data.get("code"))):
            return data
        if not data.get("reference") or not data.get("code"):
            raise forms.ValidationError(
                _("Enter both the reference and the verification code from the receipt, or upload the receipt PDF.")
            )
        return data
