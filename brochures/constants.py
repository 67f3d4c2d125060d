from django.db import models
from django.utils.translation import gettext_lazy as _

#: Bump when the PDF template or stylesheet changes: every rendition is then made again once.
PDF_TEMPLATE_VERSION = "2026.1"
PDF_TEMPLATE = "brochures/pdf/brochure.html"

IMVO_SLUG = "imvo"
GENERAL_SLUG = "innovatiemissies"
MISSION_PACK_PREFIX = "missie-"
INSTRUMENT_PREFIX = "instrument-"


class BrochureKind(models.TextChoices):
    IMVO = "imvo", _("IMVO brochure")
    GENERAL = "general", _("General innovation-missions brochure")
    MISSION_PACK = "mission_pack", _("Mission information pack")
    INSTRUMENT = "instrument", _("IMVO brochure of an instrument")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class StaffListState(models.TextChoices):
    """What staff filter the brochure list on (per language when a language is chosen)."""

    PUBLISHED = "published", _("Published")
    DRAFT = "draft", _("With a draft")
    UNPUBLISHED = "unpublished", _("Never published")


class RenditionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be made")
    RENDERING = "rendering", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Channel(models.TextChoices):
    ONLINE = "online", _("Read online")
    PDF = "pdf", _("PDF download")


#: A render that started this many times without finishing (it keeps killing its worker) fails.
MAX_RENDER_ATTEMPTS = 5
