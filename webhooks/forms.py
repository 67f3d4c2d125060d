from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import EventType


class EndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Who receives this, e.g. “RVO case system”."))
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address on the public internet. Do not put secrets in it."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
