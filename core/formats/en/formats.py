"""English date formats of the portal (FORMAT_MODULE_PATH): "10 May 2027", as in British English."""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
MONTH_DAY_FORMAT = "j F"
