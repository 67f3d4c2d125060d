from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import formfield_https_urls

from .constants import MembershipRole
from .models import Organisation
from .services import PROFILE_FIELDS
from .validators import validate_kvk_number


class OrganisationForm(forms.ModelForm):
    # Longer than 8 on purpose, so that every wrong length gets the one clear KvK message.
    kvk_number = forms.CharField(
        label=_("KvK number"),
        max_length=20,
        validators=[validate_kvk_number],
        help_text=_("The 8-digit number in the Dutch Chamber of Commerce (KvK) register."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Organisation
        fields = PROFILE_FIELDS
        formfield_callback = formfield_https_urls
        help_texts = {
            "annual_turnover_eur": _("In whole euros, e.g. 45000000."),
            "balance_sheet_total_eur": _("In whole euros."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("employees", "annual_turnover_eur", "balance_sheet_total_eur", "figures_year"):
            self.fields[name].required = True
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Organisation"), "name", "kvk_number", "kind", "sector", "city", "website"),
            Fieldset(
                _("Size"),
                Div(
                    Div(Field("employees"), css_class="col-md-6"),
                    Div(Field("figures_year"), css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div(Field("annual_turnover_eur"), css_class="col-md-6"),
                    Div(Field("balance_sheet_total_eur"), css_class="col-md-6"),
                    css_class="row",
                ),
            ),
        )
        self.helper.add_input(Submit("submit", _("Save")))

    def clean_kvk_number(self) -> str:
        return self.cleaned_data["kvk_number"]

    def clean_figures_year(self):
        year = self.cleaned_data["figures_year"]
        if year is not None and not (1990 <= year <= timezone.now().year):
            raise forms.ValidationError(_("Enter a year between 1990 and this year."))
        return year

    def validate_unique(self):
        # The service says "exists already" without leaking anything; skip the model's own message.
        pass


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of your colleague"))
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER)
    is_authorised_signatory = forms.BooleanField(
        label=_("Authorised signatory (may sign declarations on behalf of the organisation)"), required=False
    )

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Send invitation")))

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if self.organisation and self.organisation.memberships.filter(user__email__iexact=email).exists():
            raise forms.ValidationError(_("This person is already a member of the organisation."))
        return email


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)
    is_authorised_signatory = forms.BooleanField(label=_("Authorised signatory"), required=False)
