from django.db import models
from django.utils.translation import gettext_lazy as _


class Theme(models.TextChoices):
    ENERGY = "energy", _("Energy and hydrogen")
    CIRCULAR = "circular", _("Circular economy")
    DIGITAL = "digital", _("Digital and key technologies")
    AGRIFOOD = "agrifood", _("Agriculture, water and food")
    HEALTH = "health", _("Health and life sciences")
    WATER = "water", _("Water and deltas")
    MOBILITY = "mobility", _("Mobility and logistics")
    OTHER = "other", _("Other")


class MissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_SIGNATURE = "pending_signature", _("Waiting for a signatory")
    HELD_FOR_REVIEW = "held_for_review", _("Held for RVO review")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled with the mission")


class Availability(models.TextChoices):
    """What the catalogue shows about a published mission."""

    OPEN = "open", _("Open for registration")
    WAITING_LIST = "waiting_list", _("Waiting list")
    NOT_YET_OPEN = "not_yet_open", _("Registration opens soon")
    CLOSED = "closed", _("Closed")


# Registrations that hold or wait for a seat (the "active" ones).
ACTIVE_STATUSES = (
    RegistrationStatus.PENDING_SIGNATURE,
    RegistrationStatus.HELD_FOR_REVIEW,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
)
MAX_PARTICIPANTS = 3
REGISTRATION_SESSION_KEY = "registration_drafts"


class AttendanceStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")
