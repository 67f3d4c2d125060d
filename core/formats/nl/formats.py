"""Dutch date formats of the portal (FORMAT_MODULE_PATH); Django's own nl formats fill in the rest.

Dutch writes month abbreviations in lower case ("10 mei 2027", "15 mrt 2027"); Django's "M" always
capitalises them, so short dates use "b" (the lower-case abbreviation) here. Templates ask for
``date:"SHORT_DATE_FORMAT"`` / ``"SHORT_DATETIME_FORMAT"`` instead of a literal "j M Y".
"""

SHORT_DATE_FORMAT = "j b Y"
SHORT_DATETIME_FORMAT = "j b Y H:i"
