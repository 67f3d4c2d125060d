from django.utils.translation import gettext_lazy as _

from imvo_portal.exceptions import DomainError


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
