from django.db import models
from django.utils.translation import gettext_lazy as _


class Decision(models.TextChoices):
    ENDORSED = "endorsed", _("Endorsed")
    NOT_ENDORSED = "not_endorsed", _("Not endorsed yet")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReceiptStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class CheckpointReason(models.TextChoices):
    INTERVAL = "interval", _("Every N records")
    HOURLY = "hourly", _("Hourly")
    LEGACY = "legacy", _("Anchors records written before the chain was keyed")
    MANUAL = "manual", _("Written by an operator")


OECD_EDITION = "2023"
GENESIS_HASH = "0" * 64
