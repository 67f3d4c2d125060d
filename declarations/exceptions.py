from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class DeclarationError(DomainError):
    message = _("The declaration could not be recorded.")


class NoPublishedText(DeclarationError):
    message = _("There is no published declaration text yet. Please contact RVO.")


class ExplanationRequired(DeclarationError):
    message = _("Explain why your organisation cannot endorse the declaration yet.")


class AuthorityNotConfirmed(DeclarationError):
    message = _("Confirm that you are authorised to bind the organisation.")


class ReuseNoLongerValid(DeclarationError):
    message = _(
        "The earlier declaration of your organisation can no longer be re-used: it was withdrawn or "
        "replaced, is older than the re-use period, or was for another text version. Nothing has been "
        "recorded. Please read the declaration and sign it again."
    )


class TextVersionTaken(DeclarationError):
    message = _(
        "This version of the declaration text is published already with another wording; publish a new version."
    )
