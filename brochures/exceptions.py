from django.utils.translation import gettext_lazy as _


class BrochureError(Exception):
    message = _("This action is not possible.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        if message:
            self.message = message


class VersionNotDraft(BrochureError):
    message = _("A published version cannot be changed. Edit the draft instead.")


class InvalidContent(BrochureError):
    message = _("The text could not be read.")
