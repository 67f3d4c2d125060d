"""Names of destination countries (ISO 3166 alpha-2) in the current language; unknown codes show as is."""

from django.utils.translation import gettext_lazy as _

COUNTRIES = {
    "AE": _("United Arab Emirates"),
    "AR": _("Argentina"),
    "AU": _("Australia"),
    "BR": _("Brazil"),
    "CA": _("Canada"),
    "CL": _("Chile"),
    "CN": _("China"),
    "CO": _("Colombia"),
    "DE": _("Germany"),
    "DK": _("Denmark"),
    "EG": _("Egypt"),
    "ES": _("Spain"),
    "ET": _("Ethiopia"),
    "FR": _("France"),
    "GB": _("United Kingdom"),
    "GH": _("Ghana"),
    "ID": _("Indonesia"),
    "IL": _("Israel"),
    "IN": _("India"),
    "IT": _("Italy"),
    "JP": _("Japan"),
    "KE": _("Kenya"),
    "KR": _("South Korea"),
    "MA": _("Morocco"),
    "MX": _("Mexico"),
    "MY": _("Malaysia"),
    "NG": _("Nigeria"),
    "NO": _("Norway"),
    "PE": _("Peru"),
    "PH": _("Philippines"),
    "PL": _("Poland"),
    "SA": _("Saudi Arabia"),
    "SE": _("Sweden"),
    "SG": _("Singapore"),
    "TH": _("Thailand"),
    "TR": _("Turkey"),
    "TW": _("Taiwan"),
    "TZ": _("Tanzania"),
    "US": _("United States"),
    "VN": _("Vietnam"),
    "ZA": _("South Africa"),
}


def country_name(code: str) -> str:
    return str(COUNTRIES.get(code, code))
