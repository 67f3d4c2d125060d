from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class FrameworkError(DomainError):
    message = _("This framework decision is not possible.")


class NoAssessment(FrameworkError):
    message = _("Assess the instrument before publishing a level.")


class PurposeLinkMissing(FrameworkError):
    message = _("For every condition up to the level, write how it relates to the instrument's purpose (Awb).")


class HigherLevelNeedsReason(FrameworkError):
    message = _("A level above the suggested one needs a reason.")


class PhaseRequired(FrameworkError):
    message = _("A level above 0 takes effect from a roll-out phase: choose one.")


class RiskOverrideNeedsReason(FrameworkError):
    message = _("An IMVO risk other than the suggested one needs a reason.")


class ConditionNotAsked(DomainError):
    message = _("This instrument's level does not ask for this condition.")


class InvalidApplicationState(DomainError):
    message = _("The IMVO conditions of this application are already fulfilled; nothing more is needed.")


class SignatureNotNeeded(DomainError):
    message = _("The declaration for this application has been endorsed already: nothing is left to sign.")


class SignatureAlreadyRequested(DomainError):
    message = _("The signatories were asked today already. You can ask them again tomorrow.")


class NoSignatory(DomainError):
    message = _(
        "Your organisation has no authorised signatory in the portal yet. Ask an administrator of your "
        "organisation to mark one."
    )


class SignatoryCanSign(DomainError):
    message = _("You are an authorised signatory yourself: you can sign the declaration on this page.")
