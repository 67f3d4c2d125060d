from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import SCOPE_LABELS
from .models import ApiClient


class ApiClientForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiClient._meta.get_field("name").max_length,
        help_text=_("Which system this is, e.g. the CRM of RVO."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(scope, f"{scope}: {label}") for scope, label in SCOPE_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give only what the system needs. Personal data only if it really needs it."),
    )
