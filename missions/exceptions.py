"""Domain errors of the registration journey, each with a translated message for the user."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class MissionError(DomainError):
    pass


class RegistrationClosed(MissionError):
    message = _("Registration for this mission is not open.")


class MissionFull(MissionError):
    message = _("All seats of this mission are taken.")


class AlreadyRegistered(MissionError):
    message = _("Your organisation has already registered for this mission.")

    def __init__(self, registration=None, message=None):
        super().__init__(message)
        self.registration = registration


class ProfileIncomplete(MissionError):
    message = _("Complete your organisation's profile before registering.")


class NotASignatory(MissionError):
    message = _("Only an authorised signatory of the organisation can sign or decline the declaration.")


class InvalidRegistrationState(MissionError):
    message = _("This registration cannot be changed this way in its current state.")


class DeclarationIncomplete(MissionError):
    message = _("The declaration is not complete.")


class InvalidMissionTransition(MissionError):
    message = _("The mission cannot go to that status from its current status.")


class MissionNotReadyToPublish(MissionError):
    message = _("The mission cannot be published yet.")


class CapacityBelowConfirmed(MissionError):
    message = _("The maximum cannot be lower than the number of organisations already confirmed.")
