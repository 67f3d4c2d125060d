from django.db import models
from django.utils.translation import gettext_lazy as _


class InstrumentKind(models.TextChoices):
    SUBSIDY = "subsidy", _("Subsidy")
    LOAN = "loan", _("Loan or credit")
    TAX = "tax", _("Tax scheme")
    GUARANTEE = "guarantee", _("Guarantee")
    ADVICE = "advice", _("Advice or network")
    MISSION = "mission", _("Trade or innovation mission")


class PolicyArea(models.TextChoices):
    INNOVATION = "innovation", _("Innovation and research")
    ENERGY = "energy", _("Energy transition")
    CIRCULAR = "circular", _("Circular economy and climate")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship and SME finance")
    INTERNATIONAL = "international", _("International business")
    DIGITAL = "digital", _("Digital economy")
    REGIONAL = "regional", _("Regional economy")


class InstrumentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    PLANNED = "planned", _("Planned")


class TargetGroup(models.TextChoices):
    SME = "sme", _("SME")
    LARGE = "large", _("Large companies")
    KNOWLEDGE = "knowledge", _("Knowledge institutions")


class FrameworkLevel(models.IntegerChoices):
    INFORMATION = 0, _("0 – information only (the IMVO brochure)")
    CONFIRM_READ = 1, _("1 – the applicant confirms having read the IMVO information")
    DECLARATION = 2, _("2 – the OECD declaration")
    SELF_ASSESSMENT = 3, _("3 – a short due-diligence self-assessment")
    IMPROVEMENT_PLAN = 4, _("4 – an improvement plan agreed with RVO")


class Criterion(models.TextChoices):
    """The five criteria of the letter to Parliament (commitment 5), in its order."""

    ADMIN_BURDEN = "admin_burden", _("Relative administrative burden")
    LEVEL_PLAYING_FIELD = "level_playing_field", _("International level playing field")
    IMPLEMENTATION_COST = "implementation_cost", _("Implementation cost")
    IMVO_RISK = "imvo_risk", _("IMVO risk")
    SUPPORT_SIZE = "support_size", _("Size of the support")


class FrameworkStage(models.TextChoices):
    """Where an instrument stands in the roll-out, for the catalogue filter."""

    INFORMATION = "information", _("Information only")
    PLANNED = "planned", _("Conditions announced")
    IN_FORCE = "in_force", _("Conditions in force")


class ApplicationStatus(models.TextChoices):
    OPEN = "open", _("Conditions still to complete")
    COMPLETE = "complete", _("Conditions completed")
    FOLLOW_UP = "follow_up", _("Guidance and follow-up by RVO")


class SelfAssessmentAnswer(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("Not yet")


#: The page-cache namespace of the public instrument pages (list, instrument, its IMVO page).
PAGE_CACHE_NAMESPACE = "instruments"

#: Slugs the URL configuration uses for its own pages under /instruments/.
RESERVED_SLUGS = frozenset({"applications", "new", "import", "phases"})
