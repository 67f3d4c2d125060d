from django.utils.translation import gettext_lazy as _

from imvo_portal.exceptions import DomainError


class DeclarationError(DomainError):
    message = _("The declaration could not be recorded.")


class NoPublishedText(DeclarationError):
    message = _("There is no published declaration text yet. Please contact RVO.")


class ExplanationRequired(DeclarationError):
    message = _("Explain why your organisation cannot endorse the declaration yet.")


class AuthorityNotConfirmed(DeclarationError):
    message = _("Confirm that you are authorised to bind the organisation.")
