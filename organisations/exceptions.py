from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class OrganisationError(DomainError):
    pass


class OrganisationExists(OrganisationError):
    message = _(
        "An organisation with this KvK number is already registered in the portal. "
        "Ask an administrator of that organisation to invite you."
    )


class LastAdministrator(OrganisationError):
    message = _("An organisation needs at least one administrator. Appoint another administrator first.")


class InvitationInvalid(OrganisationError):
    message = _("This invitation is not valid any more. Ask the organisation for a new one.")


class InvitationWrongAccount(OrganisationError):
    message = _("This invitation was sent to another e-mail address. Log in with that address to accept it.")


class OrganisationAlreadyVerified(OrganisationError):
    message = _("This organisation has already been verified.")


class VerificationReasonInvalid(OrganisationError):
    message = _("Say how the KvK number was checked (for example: KvK extract and a call to the company).")
