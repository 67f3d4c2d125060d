from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.constants import RVO_STAFF_GROUP
from accounts.models import User
from core.forms import formfield_https_urls
from declarations.constants import UNDERTAKING_PLACEHOLDER, Decision
from missions.constants import RegistrationStatus
from missions.lifecycle import MISSION_TRANSITIONS, STAFF_REGISTRATION_ACTIONS
from missions.models import Mission, PreparationSession
from missions.services import MISSION_FIELDS
from organisations.constants import VERIFICATION_REASON_MAX_LENGTH, OrganisationKind, SizeClass

from .models import FollowUpAction
from .services import SESSION_FIELDS

#: The longest declaration text a staff member may publish (the current texts are about 1,800 characters).
DECLARATION_TEXT_MAX = 20_000

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _row(*names, width=6):
    return Div(*[Div(Field(n), css_class=f"col-md-{width}") for n in names], css_class="row")


def _bootstrap(form) -> None:
    """Bootstrap classes for forms rendered field by field (the filter bars)."""
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


def staff_users():
    return User.objects.filter(groups__name=RVO_STAFF_GROUP, is_active=True).order_by("full_name", "email")


class MissionForm(forms.ModelForm):
    class Meta:
        model = Mission
        fields = MISSION_FIELDS
        widgets = {
            "starts_on": _date_widget(),
            "ends_on": _date_widget(),
            "registration_opens_at": _datetime_widget(),
            "registration_closes_at": _datetime_widget(),
            "summary_nl": forms.Textarea(attrs={"rows": 2}),
            "summary_en": forms.Textarea(attrs={"rows": 2}),
            "description_nl": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "programme_nl": forms.Textarea(attrs={"rows": 4}),
            "programme_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_contact"].queryset = staff_users()
        for name in ("registration_opens_at", "registration_closes_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("Title and text"),
                _row("title_nl", "title_en"),
                "slug",
                _row("summary_nl", "summary_en"),
                _row("description_nl", "description_en"),
                _row("programme_nl", "programme_en"),
            ),
            Fieldset(
                _("Destination and theme"),
                Div(
                    Div(Field("country"), css_class="col-md-4"),
                    Div(Field("city_nl"), css_class="col-md-4"),
                    Div(Field("city_en"), css_class="col-md-4"),
                    css_class="row",
                ),
                "theme",
            ),
            Fieldset(_("Dates"), _row("starts_on", "ends_on"), _row("registration_opens_at", "registration_closes_at")),
            Fieldset(
                _("Places and conditions"), _row("capacity_min", "capacity_max"), "requires_declaration", "lead_contact"
            ),
        )
        self.helper.add_input(Submit("submit", _("Save")))


class MissionTransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(t.action, t.label) for t in MISSION_TRANSITIONS])
    reason = forms.CharField(
        label=_("Reason (sent to the registered organisations)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SessionForm(forms.ModelForm):
    class Meta:
        model = PreparationSession
        fields = SESSION_FIELDS
        formfield_callback = formfield_https_urls
        widgets = {
            "starts_at": _datetime_widget(),
            "ends_at": _datetime_widget(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"starts_at": _("Amsterdam time."), "ends_at": _("Amsterdam time.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            _row("title_nl", "title_en"),
            _row("starts_at", "ends_at"),
            _row("location", "online_url"),
            "notes",
        )
        self.helper.add_input(Submit("submit", _("Save")))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("location") and not cleaned.get("online_url") and not self.errors:
            raise forms.ValidationError(_("Give a location, an online link, or both."))
        return cleaned


class SessionNotesForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 5}))


class AgendaItemForm(forms.Form):
    title_nl = forms.CharField(label=_("Title (Dutch)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)


class RegistrationActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in STAFF_REGISTRATION_ACTIONS])
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") in ("reject", "withdraw") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason; the organisation will receive it."))
        return cleaned


class RegistrationFilterForm(forms.Form):
    # A GET filter whose invalid parts are ignored, not a failed submit: no error summary.
    show_error_summary = False
    q = forms.CharField(label=_("Organisation or KvK number"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses"))] + [c for c in RegistrationStatus.choices if c[0] != RegistrationStatus.DRAFT],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganisationKind.choices])
    size = forms.ChoiceField(label=_("Size class"), required=False, choices=[("", _("All sizes")), *SizeClass.choices])
    decision = forms.ChoiceField(
        label=_("Declaration"),
        required=False,
        choices=[("", _("All")), *Decision.choices, ("none", _("No declaration yet"))],
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class FollowUpForm(forms.ModelForm):
    done = forms.BooleanField(label=_("Done"), required=False)

    class Meta:
        model = FollowUpAction
        fields = ["organisation", "topic", "details", "owner", "due_on"]
        widgets = {"due_on": _date_widget(), "details": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
        else:
            self.fields.pop("organisation")
        if not self.instance.pk:
            self.fields.pop("done")
        else:
            self.fields["done"].initial = self.instance.is_done
        self.fields["owner"].queryset = staff_users()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))


class AuditFilterForm(forms.Form):
    # A GET filter whose invalid parts are ignored, not a failed submit: no error summary.
    show_error_summary = False
    actor = forms.CharField(label=_("Who (e-mail)"), required=False)
    action = forms.CharField(
        label=_("What (action)"),
        required=False,
        widget=forms.TextInput(attrs={"list": "action-families"}),
        help_text=_("For example mission, registration.confirm or session."),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_widget())
    date_to = forms.DateField(label=_("Until"), required=False, widget=_date_widget())
    organisation = forms.CharField(label=_("Organisation (name or KvK number)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class DeclarationTextVersionForm(forms.Form):
    """A new version of the declaration text of one kind, in Dutch and English at once."""

    body_nl = forms.CharField(
        label=_("Text in Dutch"),
        max_length=DECLARATION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown. Write {undertaking} where the name of the mission or instrument goes."),
        error_messages={"required": _("Write the Dutch text of the declaration.")},
    )
    body_en = forms.CharField(
        label=_("Text in English"),
        max_length=DECLARATION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown. Write {undertaking} where the name of the mission or instrument goes."),
        error_messages={"required": _("Write the English text of the declaration.")},
    )
    oecd_edition = forms.CharField(
        label=_("Edition of the OECD Guidelines"),
        max_length=20,
        error_messages={"required": _("Give the edition of the OECD Guidelines the text refers to, e.g. 2023.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that a published text can never be changed; a correction is a new version."),
        error_messages={"required": _("Confirm that you understand a published text cannot be changed.")},
    )

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current or {}
        for name in ("body_nl", "body_en"):
            self.fields[name].error_messages["max_length"] = _("The text can be at most %(max)s characters long.") % {
                "max": DECLARATION_TEXT_MAX
            }
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("publish", _("Publish this version")))

    def clean(self):
        data = super().clean()
        for name, language in (("body_nl", "nl"), ("body_en", "en")):
            body = (data.get(name) or "").strip()
            if not body:
                continue
            if UNDERTAKING_PLACEHOLDER not in body:
                self.add_error(
                    name,
                    _("Name the undertaking: write {undertaking} where the name of the mission or instrument goes."),
                )
            elif language in self.current and body == self.current[language].strip():
                self.add_error(name, _("This is the wording of the current version; change it or publish nothing."))
        return data


class OrganisationVerifyForm(forms.Form):
    """RVO staff confirm that an organisation's KvK number belongs to the people who run it here."""

    reason = forms.CharField(
        label=_("How was the KvK number checked?"),
        max_length=VERIFICATION_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: KvK extract checked and the company called on its public number. Kept in the audit trail."
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm that the people who administer this organisation in the portal act for the company "
            "with this KvK number. From now on it can sign declarations."
        ),
    )
