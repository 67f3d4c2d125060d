from django.db import models
from django.utils.translation import gettext_lazy as _


class ImvoTopic(models.TextChoices):
    """The IMVO items every preparation session must cover (commitment 1 of the letter)."""

    OECD_GUIDELINES = "oecd_guidelines", _("The OECD guidelines and the declaration")
    DUE_DILIGENCE = "due_diligence", _("The six due-diligence steps")
    COUNTRY_RISKS = "country_risks", _("Risks in the destination country and sector (MVO Risico Checker)")
    NCP = "ncp", _("The National Contact Point (NCP)")
    HELP = "help", _("Where to get help")


# Participants get one reminder this long before a session starts.
SESSION_REMINDER_HOURS = 48
# Lists in the back-office.
PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
# The overview looks this many days ahead for sessions.
OVERVIEW_SESSION_DAYS = 14
