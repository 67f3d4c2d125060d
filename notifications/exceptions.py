"""Domain errors of the outbox, with messages for staff."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class OutboxError(DomainError):
    message = _("This e-mail cannot be changed.")


class MessageNotResendable(OutboxError):
    message = _("This e-mail has been sent or is being sent right now; it cannot be sent again from here.")


class SecretLinkNotResendable(MessageNotResendable):
    message = _(
        "This e-mail held a single-use confirmation or reset link and has been sent; the link is no longer "
        'stored. Ask the person to request a new link (sign up again or use "Forgot password").'
    )
