from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class AccountError(DomainError):
    pass


class ConfirmationLinkInvalid(AccountError):
    message = _("This confirmation link is not valid.")


class ConfirmationLinkExpired(AccountError):
    message = _("This confirmation link has expired. Please sign up again.")


class ConfirmationLinkUsed(AccountError):
    message = _("This confirmation link has already been used. Your e-mail address is confirmed: log in with it.")
