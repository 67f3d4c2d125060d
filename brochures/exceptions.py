from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class BrochureError(DomainError):
    pass


class VersionNotDraft(BrochureError):
    message = _("A published version cannot be changed. Edit the draft instead.")


class InvalidContent(BrochureError):
    message = _("The text could not be read.")
