from django import forms
from django.utils.translation import gettext_lazy as _

from declarations.constants import Decision

from .conditions import CONDITIONS
from .constants import Criterion, FrameworkLevel, FrameworkStage, InstrumentKind, PolicyArea, SelfAssessmentAnswer
from .models import Instrument, RolloutPhase
from .rules import SCORE_MAX, SCORE_MIN
from .services.registry import EDITABLE_FIELDS

SCORE_CHOICES = [(n, str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]


class InstrumentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *InstrumentKind.choices])
    policy_area = forms.ChoiceField(
        label=_("Policy area"), required=False, choices=[("", _("All policy areas")), *PolicyArea.choices]
    )
    stage = forms.ChoiceField(
        label=_("IMVO framework"), required=False, choices=[("", _("All stages")), *FrameworkStage.choices]
    )


class InstrumentForm(forms.ModelForm):
    class Meta:
        model = Instrument
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "summary_nl": forms.Textarea(attrs={"rows": 3}),
            "summary_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Leave empty to make one from the Dutch name.")


class AssessmentForm(forms.Form):
    """A score (1–5) and a required justification per criterion; a reason when overriding the risk."""

    change_reason = forms.CharField(
        label=_("Why this (new) assessment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    risk_override_reason = forms.CharField(
        label=_("Reason for an IMVO risk other than the suggestion"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion, label in Criterion.choices:
            self.fields[criterion] = forms.TypedChoiceField(
                label=label, choices=SCORE_CHOICES, coerce=int, help_text=_("1 = low, 5 = high")
            )
            self.fields[f"{criterion}_reason"] = forms.CharField(
                label=_("Justification: %(criterion)s") % {"criterion": label},
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        order = [name for c in Criterion.values for name in (c, f"{c}_reason")]
        self.order_fields([*order, "risk_override_reason", "change_reason"])

    def criteria(self):
        return [(self[c], self[f"{c}_reason"]) for c in Criterion.values]


class LevelForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Level of IMVO conditions"), choices=FrameworkLevel.choices, coerce=int)
    phase = forms.ModelChoiceField(
        label=_("Roll-out phase"),
        queryset=RolloutPhase.objects.order_by("number"),
        required=False,
        help_text=_("The conditions apply from the phase's date. Not needed for level 0."),
    )
    higher_reason = forms.CharField(
        label=_("Reason for a level above the suggested one"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for condition in CONDITIONS:
            self.fields[purpose_field(condition)] = forms.CharField(
                label=_("Condition %(number)s (%(condition)s): relation to the instrument's purpose")
                % {"number": condition.level, "condition": condition.title},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def purpose_links(self) -> dict:
        return {str(c.level): self.cleaned_data.get(purpose_field(c), "") for c in CONDITIONS}


def purpose_field(condition) -> str:
    """The form field of a condition's relation to the purpose: ``purpose_<n>``, n its ``purpose_links`` key."""
    return f"purpose_{condition.level}"


class PhaseForm(forms.ModelForm):
    class Meta:
        model = RolloutPhase
        fields = ["number", "name_nl", "name_en", "effective_from", "description"]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, with a header row; at most 2 MB."))
    dry_run = forms.BooleanField(label=_("Dry run: only check, write nothing"), required=False, initial=True)


class ApplicationStartForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    reference = forms.RegexField(
        label=_("Application reference"),
        max_length=40,
        regex=r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{2,39}$",
        help_text=_("The reference of your application at RVO, e.g. MIT-2026-01234."),
        error_messages={"invalid": _("Use 3 to 40 letters, digits, spaces, dots, slashes or dashes.")},
    )

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(m.organisation_id, m.organisation.name) for m in memberships]


class ConfirmReadForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read the IMVO information of this instrument."),
        error_messages={"required": _("Tick the box to confirm that you have read the IMVO information.")},
    )


class InstrumentDeclarationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        widget=forms.RadioSelect,
        choices=[
            (Decision.ENDORSED, _("We endorse this declaration")),
            (Decision.NOT_ENDORSED, _("We cannot endorse this yet")),
        ],
    )
    signatory_name = forms.CharField(label=_("Your name"), max_length=150)
    signatory_position = forms.CharField(label=_("Your position"), max_length=150)
    confirms_authority = forms.BooleanField(
        label=_("I confirm that I am authorised to bind the organisation with this declaration."),
        error_messages={"required": _("Confirm that you are authorised to bind the organisation.")},
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required if you cannot endorse the declaration yet. Your application is not affected."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.NOT_ENDORSED and not (data.get("explanation") or "").strip():
            self.add_error("explanation", _("Please explain what stands in the way."))
        return data


class SelfAssessmentForm(forms.Form):
    policy = forms.ChoiceField(
        label=_("Does your organisation have a policy on responsible business conduct?"),
        choices=SelfAssessmentAnswer.choices,
        widget=forms.RadioSelect,
    )
    risks = forms.ChoiceField(
        label=_("Have you identified the main IMVO risks in your chain for this project?"),
        choices=SelfAssessmentAnswer.choices,
        widget=forms.RadioSelect,
    )
    measures = forms.ChoiceField(
        label=_("Do you take measures to prevent or reduce those risks?"),
        choices=SelfAssessmentAnswer.choices,
        widget=forms.RadioSelect,
    )
    monitoring = forms.ChoiceField(
        label=_("Do you check whether the measures work?"),
        choices=SelfAssessmentAnswer.choices,
        widget=forms.RadioSelect,
    )
    communication = forms.ChoiceField(
        label=_("Do you report on your approach, and can people raise concerns?"),
        choices=SelfAssessmentAnswer.choices,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
