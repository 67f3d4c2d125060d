from django.utils.translation import gettext_lazy as _

# Rollup rows use these values for "all" in a dimension.
ALL_YEARS = 0
ALL_MISSIONS = 0
ALL_COUNTRIES = ""

CATEGORY = ("sector", "kind", "size_class")
# The key of an uptake rollup row.
ROLLUP_KEY = ("year", "country", "mission_id", *CATEGORY)
# The rollup scopes: (dimensions grouped on, fixed values for the dimensions that mean "all").
SCOPES = (
    (("year", "country", "mission_id"), {}),
    (("year", "country"), {"mission_id": ALL_MISSIONS}),
    (("year",), {"country": ALL_COUNTRIES, "mission_id": ALL_MISSIONS}),
    (("country",), {"year": ALL_YEARS, "mission_id": ALL_MISSIONS}),
    ((), {"year": ALL_YEARS, "country": ALL_COUNTRIES, "mission_id": ALL_MISSIONS}),
)

SUPPRESSED_LABEL = "< %(min)d"

REFRESH_INTERVAL_MINUTES = 5
# The page body is cached per rollup refresh and selection; a refresh changes the key.
CACHE_SECONDS = 15 * 60
FILTER_FIELDS = ("year", "mission", "sector", "kind", "size")

# The figures every rollup row carries (summed over the rows a view selects).
MEASURES = (
    "registrations",
    "organisations",
    "organisations_endorsed",
    "declarations_endorsed",
    "declarations_not_endorsed",
    "declarations_pending",
)

BREAKDOWN_LABELS = {
    "year": _("Year"),
    "mission": _("Mission"),
    "country": _("Destination"),
    "sector": _("Sector"),
    "kind": _("Kind of organisation"),
    "size_class": _("Size class"),
}
