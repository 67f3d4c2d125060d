from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    COMPANY = "company", _("Company")
    KNOWLEDGE_INSTITUTION = "knowledge_institution", _("Knowledge institution")
    OTHER = "other", _("Other")


class SizeClass(models.TextChoices):
    LARGE = "large", _("Large company")
    SME = "sme", _("SME")


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MEMBER = "member", _("Member")


class OrganisationVerification(models.TextChoices):
    """Whether the organisation's KvK number is proven to belong to the people who run it here."""

    UNVERIFIED = "unverified", _("Not verified")
    EHERKENNING = "eherkenning", _("Verified by eHerkenning")
    STAFF = "staff", _("Verified by RVO")


class Sector(models.TextChoices):
    """Sections of the Dutch Standard Industrial Classification (SBI 2008)."""

    A = "A", _("A – Agriculture, forestry and fishing")
    B = "B", _("B – Mining and quarrying")
    C = "C", _("C – Manufacturing")
    D = "D", _("D – Electricity, gas, steam and air conditioning supply")
    E = "E", _("E – Water supply; sewerage, waste management and remediation")
    F = "F", _("F – Construction")
    G = "G", _("G – Wholesale and retail trade")
    H = "H", _("H – Transportation and storage")
    I = "I", _("I – Accommodation and food service activities")  # noqa: E741
    J = "J", _("J – Information and communication")
    K = "K", _("K – Financial institutions")
    L = "L", _("L – Renting, buying and selling of real estate")
    M = "M", _("M – Consultancy, research and other specialised business services")
    N = "N", _("N – Renting and leasing of tangible goods and other business support services")
    O = "O", _("O – Public administration, public services and compulsory social security")  # noqa: E741
    P = "P", _("P – Education")
    Q = "Q", _("Q – Human health and social work activities")
    R = "R", _("R – Culture, sports and recreation")
    S = "S", _("S – Other service activities")
    T = "T", _("T – Activities of households")
    U = "U", _("U – Extraterritorial organisations and bodies")


ACTIVE_ORGANISATION_SESSION_KEY = "active_organisation_id"
INVITATION_VALID_DAYS = 14
VERIFICATION_REASON_MAX_LENGTH = 500

# Signatories asked to sign (for a mission registration or an instrument application) are reminded
# once when the request has waited this many days.
SIGNATURE_REMINDER_AFTER_DAYS = 3
