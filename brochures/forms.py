from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from core.markdown import validate_markdown_images

from .constants import BrochureKind, StaffListState
from .content import ContentFormatError, parse_text, sections_html
from .models import LANGUAGE_CHOICES
from .selectors import StaffBrochureFilters


class StaffBrochureFilterForm(forms.Form):
    # A GET filter whose invalid parts are ignored, not a failed submit: no error summary.
    show_error_summary = False
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *BrochureKind.choices])
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Both languages")), *LANGUAGE_CHOICES]
    )
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *StaffListState.choices]
    )

    def filters(self) -> StaffBrochureFilters:
        """The valid parts of the filter; an invalid part is left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return StaffBrochureFilters(**{name: data.get(name) or "" for name in self.fields})


class DraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short introduction shown on the cover and at the top of the online version."),
    )
    content = forms.CharField(
        label=_("Sections"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text=_(
            "Start every section with a line '## Section title'. Below it, write Markdown: paragraphs, "
            "lists (- or 1.), **bold**, *italics*, [links](https://...) and ### subheadings. HTML is shown as text."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Field("title"), Field("summary"), Field("content", css_class="font-monospace"))
        self.helper.add_input(Submit("save", _("Save draft")))

    def clean_content(self):
        content = self.cleaned_data["content"]
        try:
            sections_html(parse_text(content).sections)  # too long or too many table rows: refused here
        except ContentFormatError as exc:
            raise forms.ValidationError(str(exc)) from None
        validate_markdown_images(content)  # an image without alternative text: refused, not silently dropped
        return content
