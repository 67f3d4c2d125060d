from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's validator, with its message in our catalogue (Django's nl catalogue lacks this msgid)."""

    def get_error_message(self):
        return (
            ngettext(
                "This password is too short. It must contain at least %d character.",
                "This password is too short. It must contain at least %d characters.",
                self.min_length,
            )
            % self.min_length
        )


#: Words anyone would try first against this portal (ASVS 6.1.2 / 6.2.11): its names, the ministry,
#: the agency, the programme. A password containing one of them (case and leetspeak-insensitive,
#: ignoring spaces and punctuation) is refused.
CONTEXT_WORDS = (
    "imvo",
    "missieportaal",
    "missionportal",
    "innovatiemissie",
    "innovationmission",
    "rvo",
    "ezk",
    "ministerie",
    "ministry",
    "oecd",
    "ondernemendnederland",
    "eherkenning",
)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


class ContextWordsValidator:
    """Refuses passwords built on the portal's own context words (``CONTEXT_WORDS``)."""

    def validate(self, password, user=None):
        folded = "".join(ch for ch in (password or "").lower().translate(_LEET) if ch.isalnum())
        found = next((word for word in CONTEXT_WORDS if word in folded), None)
        if found:
            raise ValidationError(
                _("This password contains “%(word)s”, a word anyone would try first for this portal. Choose another."),
                code="password_context_word",
                params={"word": found},
            )

    def get_help_text(self):
        return _("Your password may not contain the name of the portal, the ministry or RVO.")
