from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from declarations.constants import Decision
from declarations.typed_text import typed_text_notice_lazy

from .constants import MAX_PARTICIPANTS, Theme

PARTICIPANT_FIELDS = ("name", "email", "position")


class MissionFilterForm(forms.Form):
    # A GET filter whose invalid parts are ignored, not a failed submit: no error summary.
    show_error_summary = False
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    state = forms.ChoiceField(
        label=_("Registration"),
        required=False,
        choices=[("", _("All")), ("open", _("Open for registration")), ("closed", _("Closed"))],
    )

    def __init__(self, *args, countries: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("All themes")), *Theme.choices]
        self.fields["country"].choices = [("", _("All countries")), *countries]


class OrganisationChoiceForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(m.organisation_id, m.organisation.name) for m in memberships]
        self.fields["organisation"].error_messages["invalid_choice"] = _(
            "Choose one of the organisations you are a member of."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False


class ParticipantsForm(forms.Form):
    """Step 2: one to three participants, and the motivation."""

    motivation = forms.CharField(
        label=_("Motivation"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=3000,
        help_text=_("What does your organisation want to achieve with this mission?"),
        error_messages={"required": _("Describe what your organisation wants to achieve with this mission.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fieldsets = []
        for i in range(1, MAX_PARTICIPANTS + 1):
            required = i == 1
            for name, field in self._participant_fields(i, required=required).items():
                self.fields[f"p{i}_{name}"] = field
            legend = _("Participant %(number)s") % {"number": i}
            if not required:
                legend = _("Participant %(number)s (optional)") % {"number": i}
            fieldsets.append(
                Fieldset(
                    legend,
                    Div(
                        Div(f"p{i}_name", css_class="col-md-4"),
                        Div(f"p{i}_email", css_class="col-md-4"),
                        Div(f"p{i}_position", css_class="col-md-4"),
                        css_class="row",
                    ),
                )
            )
        self.order_fields([f for f in self.fields if f != "motivation"] + ["motivation"])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*fieldsets, "motivation")

    @staticmethod
    def _participant_fields(number: int, *, required: bool) -> dict[str, forms.Field]:
        """Name, e-mail and position of participant ``number``, with messages that name the participant."""
        n = {"number": number}
        fields = {
            "name": forms.CharField(label=_("Name"), max_length=150, required=required),
            "email": forms.EmailField(label=_("E-mail address"), max_length=254, required=required),
            "position": forms.CharField(label=_("Position"), max_length=150, required=required),
        }
        fields["name"].error_messages["required"] = _("Enter the name of participant %(number)s.") % n
        fields["email"].error_messages["required"] = _("Enter the e-mail address of participant %(number)s.") % n
        fields["position"].error_messages["required"] = _("Enter the position of participant %(number)s.") % n
        fields["email"].error_messages["invalid"] = (
            _("Enter the e-mail address of participant %(number)s in the right format, like name@example.nl.") % n
        )
        for field in fields.values():
            # Participants 2 and 3 are optional as a whole (their legend says so), not field by field.
            field.mark_optional = False
        return fields

    def clean(self):
        data = super().clean()
        seen = set()
        for i in range(2, MAX_PARTICIPANTS + 1):
            # What was typed counts, also when it is invalid (a malformed e-mail is "filled in").
            filled = {f: bool((self[f"p{i}_{f}"].value() or "").strip()) for f in PARTICIPANT_FIELDS}
            if any(filled.values()):
                for name, present in filled.items():
                    if not present:
                        self.add_error(f"p{i}_{name}", self._missing_message(i, name))
        for i in range(1, MAX_PARTICIPANTS + 1):
            email = (data.get(f"p{i}_email") or "").lower()
            if email and email in seen:
                message = _("Participant %(number)s is already listed with this e-mail address.")
                self.add_error(f"p{i}_email", message % {"number": i})
            seen.add(email)
        return data

    @staticmethod
    def _missing_message(number: int, name: str) -> str:
        messages = {
            "name": _("Enter the name of participant %(number)s, or leave participant %(number)s empty."),
            "email": _("Enter the e-mail address of participant %(number)s, or leave participant %(number)s empty."),
            "position": _("Enter the position of participant %(number)s, or leave participant %(number)s empty."),
        }
        return messages[name] % {"number": number}

    def participants(self) -> list[dict]:
        rows = []
        for i in range(1, MAX_PARTICIPANTS + 1):
            name = self.cleaned_data.get(f"p{i}_name")
            if name:
                rows.append(
                    {
                        "name": name,
                        "email": self.cleaned_data[f"p{i}_email"].lower(),
                        "position": self.cleaned_data[f"p{i}_position"],
                    }
                )
        return rows

    @staticmethod
    def initial_from(registration) -> dict:
        initial = {"motivation": registration.motivation}
        for i, p in enumerate(registration.participants.all(), start=1):
            initial.update({f"p{i}_name": p.name, f"p{i}_email": p.email, f"p{i}_position": p.position})
        return initial


class DeclarationForm(forms.Form):
    """Step 4 (and the signatory's page): the decision on the declaration."""

    decision = forms.ChoiceField(
        label=_("Your decision"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether your organisation endorses the declaration, or cannot endorse it yet.")
        },
        choices=[
            (Decision.ENDORSED, _("We endorse this declaration")),
            (Decision.NOT_ENDORSED, _("We cannot endorse this yet")),
        ],
    )
    signatory_name = forms.CharField(
        label=_("Your name"), max_length=150, error_messages={"required": _("Enter your name.")}
    )
    signatory_position = forms.CharField(
        label=_("Your position"), max_length=150, error_messages={"required": _("Enter your position.")}
    )
    confirms_authority = forms.BooleanField(
        label=_("I confirm that I am authorised to bind the organisation with this declaration."),
        required=True,
        error_messages={"required": _("Confirm that you are authorised to bind the organisation.")},
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=format_lazy(
            "{} {}",
            _(
                "Required if you cannot endorse the declaration yet: what stands in the way, and what are you "
                "doing about it?"
            ),
            typed_text_notice_lazy(),
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Required when the organisation cannot endorse yet (its help text says so): no "(optional)".
        self.fields["explanation"].mark_optional = False
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "decision",
            HTML('<div class="row">'),
            Div("signatory_name", css_class="col-md-6"),
            Div("signatory_position", css_class="col-md-6"),
            HTML("</div>"),
            "confirms_authority",
            "explanation",
        )

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.NOT_ENDORSED and not (data.get("explanation") or "").strip():
            self.add_error("explanation", _("Explain why your organisation cannot endorse the declaration yet."))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=typed_text_notice_lazy(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ReuseDeclarationForm(forms.Form):
    """Step 4, short path: the signatory confirms an earlier endorsement again, under their own name.

    The new record names the acting signatory (their account name and this position) and the
    earlier declaration it rests on; it never copies another person as signatory.
    """

    reused_from = forms.IntegerField(widget=forms.HiddenInput)
    reuse_position = forms.CharField(label=_("Your position"), max_length=150)
