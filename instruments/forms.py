import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from declarations.constants import Decision
from declarations.exceptions import ReuseNoLongerValid
from declarations.typed_text import typed_text_notice_lazy

from .conditions import CONDITIONS
from .constants import Criterion, FrameworkLevel, FrameworkStage, InstrumentKind, PolicyArea, SelfAssessmentAnswer
from .exceptions import HigherLevelNeedsReason, PhaseRequired, RiskOverrideNeedsReason
from .models import Instrument, InstrumentApplication, RolloutPhase
from .rules import (
    SCORE_MAX,
    SCORE_MIN,
    Scores,
    framework_level,
    framework_points,
    level_needs,
    risk_override_needs_reason,
)
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
        # Never Django's "Er bestaat al een Instrument met eenzelfde Code.": say what to do instead.
        error_messages = {
            "code": {"unique": _("Another instrument already has this code. RVO codes are unique: check the code.")},
            "slug": {"unique": _("Another instrument already uses this web address. Choose another one.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Leave empty to make one from the Dutch name.")


@dataclass(frozen=True)
class LevelPreview:
    """The level a set of scores gives, before anything is saved (``rules.framework_level``)."""

    points: int
    level: int


class AssessmentForm(forms.Form):
    """A score (1–5) and a required justification per criterion; a reason when overriding the risk.

    Every problem is reported at once, the risk-override rule included (``rules``), so staff
    never correct one error only to meet the next.
    """

    change_reason = forms.CharField(
        label=_("Why this (new) assessment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    risk_override_reason = forms.CharField(
        label=_("Reason for an IMVO risk other than the suggestion"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, suggested_risk: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggested_risk = suggested_risk
        for criterion, label in Criterion.choices:
            self.fields[criterion] = forms.TypedChoiceField(
                label=label, choices=SCORE_CHOICES, coerce=int, help_text=_("1 = low, 5 = high")
            )
            self.fields[f"{criterion}_reason"] = forms.CharField(
                label=_("Justification: %(criterion)s") % {"criterion": label},
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        override = self.fields["risk_override_reason"]
        override.mark_optional = False  # required exactly when the risk differs from the suggestion
        if suggested_risk is not None:
            override.help_text = _("Required when the IMVO risk is not %(risk)s, the suggested score.") % {
                "risk": suggested_risk
            }
        order = [name for c in Criterion.values for name in (c, f"{c}_reason")]
        self.order_fields([*order, "risk_override_reason", "change_reason"])

    def criteria(self):
        return [(self[c], self[f"{c}_reason"]) for c in Criterion.values]

    def clean(self):
        data = super().clean()
        risk = data.get(Criterion.IMVO_RISK)
        if (
            self.suggested_risk is not None
            and risk is not None
            and risk_override_needs_reason(imvo_risk=risk, suggested_risk=self.suggested_risk)
            and not (data.get("risk_override_reason") or "").strip()
        ):
            self.add_error("risk_override_reason", RiskOverrideNeedsReason.message)
        return data

    @classmethod
    def level_preview(cls, data) -> LevelPreview | None:
        """The level the submitted scores give, or None while a score is missing or invalid.

        Only the score fields are read, so a preview of a half-filled form shows no errors.
        """
        form = cls()
        values = {}
        for criterion in Criterion.values:
            try:
                values[criterion] = form.fields[criterion].clean(data.get(criterion))
            except ValidationError:
                return None
        scores = Scores(**values)
        return LevelPreview(points=framework_points(scores), level=framework_level(scores))


class LevelForm(forms.Form):
    """The level to publish and what it needs (``rules.level_needs``): the fields needed at the
    chosen level are required, the others say from which level on they are; all errors at once."""

    level = forms.TypedChoiceField(label=_("Level of IMVO conditions"), choices=FrameworkLevel.choices, coerce=int)
    phase = forms.ModelChoiceField(
        label=_("Roll-out phase"),
        queryset=RolloutPhase.objects.order_by("number"),
        required=False,
        help_text=_("The conditions apply from the phase's date."),
    )
    higher_reason = forms.CharField(
        label=_("Reason for a level above the suggested one"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, suggested_level: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for condition in CONDITIONS:
            self.fields[purpose_field(condition)] = forms.CharField(
                label=_("Condition %(number)s (%(condition)s): relation to the instrument's purpose")
                % {"number": condition.level, "condition": condition.title},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.suggested_level = suggested_level
        self.needs = level_needs(level=self.chosen_level(), suggested_level=suggested_level)
        for condition in CONDITIONS:
            n = condition.level
            field = self.fields[purpose_field(condition)]
            field.required = n in self.needs.purposes
            field.error_messages["required"] = _(
                "Write how condition %(number)s relates to the instrument's purpose (Awb)."
            ) % {"number": n}
            if not field.required:
                field.mark_optional = False
                field.help_text = _("Required from level %(level)s.") % {"level": n}
        self._require(
            "phase", self.needs.phase, PhaseRequired.message, _("Required from level %(level)s.") % {"level": 1}
        )
        higher_help = (
            _("Required for a level above %(level)s, the suggested level.") % {"level": suggested_level}
            if suggested_level is not None
            else ""
        )
        self._require("higher_reason", self.needs.higher_reason, HigherLevelNeedsReason.message, higher_help)

    def _require(self, name: str, required: bool, message, help_when_not: str) -> None:
        field = self.fields[name]
        field.required = required
        field.error_messages["required"] = message
        if not required:
            field.mark_optional = False
            field.help_text = " ".join(filter(None, [str(field.help_text), str(help_when_not)]))

    def chosen_level(self) -> int:
        """The level submitted (or, before a submit, the one proposed); 0 when it is not a level."""
        raw = self.data.get("level") if self.is_bound else self.initial.get("level")
        try:
            level = int(raw)
        except (TypeError, ValueError):
            return 0
        return level if level in FrameworkLevel.values else 0

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
        error_messages = {"number": {"unique": _("There is a phase with this number already. Choose another number.")}}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, with a header row; at most 2 MB."))
    dry_run = forms.BooleanField(label=_("Dry run: only check, write nothing"), required=False, initial=True)


#: What an application reference may look like (the reference of the application at RVO).
REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{2,}$")
REFERENCE_MIN = 3


def _too_long_message(what) -> str:
    return gettext("%(what)s can be at most %%(limit_value)d characters long; it has %%(show_value)d.") % {"what": what}


#: A limit message that names the field, for ``error_messages["max_length"]`` (Django fills in
#: ``limit_value`` and ``show_value``); lazy, so it is in the language of the request.
_too_long = lazy(_too_long_message, str)


class ApplicationStartForm(forms.Form):
    """Start an application: the organisation and the reference at RVO, each problem one message."""

    organisation = forms.TypedChoiceField(
        label=_("Organisation"),
        coerce=int,
        error_messages={
            "required": _("Choose the organisation that applies."),
            "invalid_choice": _("Choose one of the organisations you are a member of."),
        },
    )
    # No max_length on the field: a value over the limit gets one message (``clean_reference``),
    # not Django's length message beside the format message.
    reference = forms.CharField(
        label=_("Application reference"),
        help_text=_("The reference of your application at RVO, e.g. MIT-2026-01234."),
        error_messages={"required": _("Enter the reference of your application at RVO.")},
    )

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(m.organisation_id, m.organisation.name) for m in memberships]

    def clean_reference(self) -> str:
        reference = " ".join(self.cleaned_data["reference"].split())
        limit = InstrumentApplication._meta.get_field("reference").max_length
        if len(reference) > limit:
            raise forms.ValidationError(
                _("The application reference can be at most %(limit)s characters long; it has %(count)s.")
                % {"limit": limit, "count": len(reference)}
            )
        if len(reference) < REFERENCE_MIN or not REFERENCE_RE.match(reference):
            raise forms.ValidationError(
                _(
                    "Write the application reference with 3 to %(limit)s letters, digits, spaces, dots, slashes "
                    "or dashes, starting with a letter or digit, e.g. MIT-2026-01234."
                )
                % {"limit": limit}
            )
        return reference


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
        error_messages={
            "required": _("Choose whether your organisation endorses the declaration, or cannot endorse it yet."),
            "invalid_choice": _("Choose whether your organisation endorses the declaration, or cannot endorse it yet."),
        },
    )
    signatory_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        error_messages={"required": _("Enter your name."), "max_length": _too_long(_("Your name"))},
    )
    signatory_position = forms.CharField(
        label=_("Your position"),
        max_length=150,
        error_messages={"required": _("Enter your position."), "max_length": _too_long(_("Your position"))},
    )
    confirms_authority = forms.BooleanField(
        label=_("I confirm that I am authorised to bind the organisation with this declaration."),
        error_messages={"required": _("Confirm that you are authorised to bind the organisation.")},
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            "{} {}",
            _("Required if you cannot endorse the declaration yet. Your application is not affected."),
            typed_text_notice_lazy(),
        ),
        error_messages={"max_length": _too_long(_("The explanation"))},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Required when the organisation cannot endorse yet (its help text says so): no "(optional)".
        self.fields["explanation"].mark_optional = False

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.NOT_ENDORSED and not (data.get("explanation") or "").strip():
            self.add_error("explanation", _("Please explain what stands in the way."))
        return data


class ReuseDeclarationForm(forms.Form):
    """Confirm the organisation's earlier endorsement again for this application, under one's own name."""

    reused_from = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": ReuseNoLongerValid.message, "invalid": ReuseNoLongerValid.message},
    )
    reuse_position = forms.CharField(
        label=_("Your position"),
        max_length=150,
        error_messages={
            "required": _("Fill in your position to confirm the earlier declaration again."),
            "max_length": _too_long(_("Your position")),
        },
    )


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
        label=_("Notes (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _too_long(_("The notes"))},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                # The message names the question: the error summary lists it without the label.
                message = _("Choose an answer to the question: %(question)s") % {"question": field.label}
                field.error_messages.update(required=message, invalid_choice=message)
        # The label already says "(optional)".
        self.fields["notes"].mark_optional = False
