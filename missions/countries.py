"""Names of destination countries (ISO 3166 alpha-2) in Dutch and English; the code if unknown."""

from django.utils import translation

COUNTRIES = {
    "BR": ("Brazilië", "Brazil"),
    "CA": ("Canada", "Canada"),
    "CN": ("China", "China"),
    "DE": ("Duitsland", "Germany"),
    "EG": ("Egypte", "Egypt"),
    "FR": ("Frankrijk", "France"),
    "GB": ("Verenigd Koninkrijk", "United Kingdom"),
    "ID": ("Indonesië", "Indonesia"),
    "IN": ("India", "India"),
    "JP": ("Japan", "Japan"),
    "KE": ("Kenia", "Kenya"),
    "KR": ("Zuid-Korea", "South Korea"),
    "MA": ("Marokko", "Morocco"),
    "MX": ("Mexico", "Mexico"),
    "NG": ("Nigeria", "Nigeria"),
    "SG": ("Singapore", "Singapore"),
    "TW": ("Taiwan", "Taiwan"),
    "US": ("Verenigde Staten", "United States"),
    "VN": ("Vietnam", "Vietnam"),
    "ZA": ("Zuid-Afrika", "South Africa"),
    "AU": ("Australië", "Australia"),
    "CL": ("Chili", "Chile"),
    "GH": ("Ghana", "Ghana"),
    "SA": ("Saoedi-Arabië", "Saudi Arabia"),
    "AE": ("Verenigde Arabische Emiraten", "United Arab Emirates"),
    "TH": ("Thailand", "Thailand"),
}


def country_name(code: str) -> str:
    names = COUNTRIES.get((code or "").upper())
    if not names:
        return code
    return names[1] if (translation.get_language() or "nl").startswith("en") else names[0]
