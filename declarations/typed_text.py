"""Free text a person types (why not endorsed, reasons for a withdrawal, a rejection or a
cancellation): how long it is kept, and the notice every form where it is typed shows.

Such text may name anyone, so it is never evidence in clear: a declaration record commits to it
only through the salted hash of its erasable personal part (record format 3), the audit trail
keeps it in the erasable personal part of its event (``reason_text``/``explanation`` in
``audit.services.PERSONAL_DETAIL_KEYS``), and a registration's copy is emptied by retention
(``privacy.retention``). It follows the period of a declaration's personal data, counted from
when it was typed; the audit trail's copy goes sooner (``audit_personal``).
"""

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import ngettext

#: The kind of ``settings.RETENTION_DAYS`` that typed text follows.
RETENTION_KIND = "declaration_personal_data"


def typed_text_retention_days() -> int:
    return int(settings.RETENTION_DAYS[RETENTION_KIND])


def typed_text_notice() -> str:
    """The sentence shown under every field where such text is typed (in the active language)."""
    days = typed_text_retention_days()
    return ngettext(
        "We keep this text as personal data, apart from the evidence, for at most %(days)s day and then erase it.",
        "We keep this text as personal data, apart from the evidence, for at most %(days)s days and then erase it.",
        days,
    ) % {"days": days}


#: For form fields' help texts, evaluated when the form is shown.
typed_text_notice_lazy = lazy(typed_text_notice, str)
