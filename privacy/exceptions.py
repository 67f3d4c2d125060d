from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class AccountDeletionRefused(DomainError):
    message = _("Your account cannot be deleted right now.")


class LastAdminWithOpenRegistrations(AccountDeletionRefused):
    message = _(
        "You are the only administrator of %(organisation)s, which has registrations that are still open. "
        "Make a colleague administrator first (Organisation > Members), or withdraw the registrations, "
        "and then delete your account."
    )


class DeletionLinkInvalid(AccountDeletionRefused):
    message = _("This confirmation link is not valid (any more). Start the deletion again from My account.")
