"""The base of every app's domain errors: a rule said no, with a translated message for the user."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Raised by services; views show ``message`` as a form error or a flash message."""

    message = _("This action is not possible.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        if message:
            self.message = message
