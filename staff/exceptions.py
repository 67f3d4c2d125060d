from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class StaffActionError(DomainError):
    """A back-office action that is not allowed; ``message`` is shown to the user."""


class MandatoryAgendaItem(StaffActionError):
    message = _("The IMVO items are mandatory on every preparation session and cannot be removed.")


class NobodyToInvite(StaffActionError):
    message = _("There are no participants of confirmed registrations to invite yet.")


class UnknownParticipant(StaffActionError):
    message = _("Attendance can only be recorded for participants of this mission.")
