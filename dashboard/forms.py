from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.constants import OrganisationKind, Sector, SizeClass

from .models import MissionDimension
from .selectors import Filters

ALL = [("", _("All"))]


class DashboardFilterForm(forms.Form):
    """The selection, read from the query string so every view can be bookmarked and shared."""

    # A GET filter whose invalid parts are ignored, not a failed submit: no error summary.
    show_error_summary = False

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    mission = forms.TypedChoiceField(label=_("Mission"), required=False, coerce=int, empty_value=None)
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=ALL + list(Sector.choices))
    kind = forms.ChoiceField(
        label=_("Kind of organisation"), required=False, choices=ALL + list(OrganisationKind.choices)
    )
    size = forms.ChoiceField(label=_("Size class"), required=False, choices=ALL + list(SizeClass.choices))

    def __init__(self, *args, missions: list[MissionDimension], titles: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        years = sorted({m.year for m in missions}, reverse=True)
        self.fields["year"].choices = ALL + [(y, str(y)) for y in years]
        self.fields["mission"].choices = ALL + [(m.mission_id, f"{titles[m.mission_id]} ({m.year})") for m in missions]

    def filters(self) -> Filters:
        """The valid part of the selection (an invalid field is reported and ignored)."""
        data = self.cleaned_data if self.is_bound else {}
        return Filters(
            year=data.get("year"),
            mission=data.get("mission"),
            sector=data.get("sector") or None,
            kind=data.get("kind") or None,
            size_class=data.get("size") or None,
        )
