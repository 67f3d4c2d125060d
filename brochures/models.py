"""Brochures, their immutable published versions, PDF renditions and daily read counts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.jobs import JobStatuses, LeasedJob

from .constants import MAX_RENDER_ATTEMPTS, BrochureKind, Channel, RenditionStatus, VersionStatus

LANGUAGE_CHOICES = [("nl", _("Dutch")), ("en", _("English"))]


class Brochure(models.Model):
    """A publication that exists in Dutch and English, each language with its own versions."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in the web address."))
    kind = models.CharField(_("kind"), max_length=20, choices=BrochureKind.choices)
    mission = models.OneToOneField(
        "missions.Mission",
        verbose_name=_("mission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="information_pack",
        help_text=_("Only for a mission information pack."),
    )
    instrument = models.OneToOneField(
        "instruments.Instrument",
        verbose_name=_("instrument"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imvo_brochure",
        help_text=_("Only for the IMVO brochure of an instrument."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100, help_text=_("Order in the list."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("brochure")
        verbose_name_plural = _("brochures")
        ordering = ["position", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=BrochureKind.MISSION_PACK, mission__isnull=False)
                | (~Q(kind=BrochureKind.MISSION_PACK) & Q(mission__isnull=True)),
                name="brochure_mission_only_for_pack",
            ),
            models.CheckConstraint(
                condition=Q(kind=BrochureKind.INSTRUMENT, instrument__isnull=False)
                | (~Q(kind=BrochureKind.INSTRUMENT) & Q(instrument__isnull=True)),
                name="brochure_instrument_only_for_instrument",
            ),
        ]

    def __str__(self) -> str:
        return str(self.display_name)

    def get_absolute_url(self) -> str:
        return reverse("brochures:detail", args=[self.slug])

    @property
    def display_name(self) -> str:
        """What staff read: "IMVO-brochure", "Informatiepakket: <mission>", "IMVO-brochure:
        <instrument> (<code>)" (not the slug, and never one name for every instrument)."""
        if self.kind == BrochureKind.MISSION_PACK and self.mission_id:
            return _("Information pack: %(mission)s") % {"mission": self.mission.title}
        if self.kind == BrochureKind.INSTRUMENT and self.instrument_id:
            return _("IMVO brochure: %(instrument)s (%(code)s)") % {
                "instrument": self.instrument.name,
                "code": self.instrument.code,
            }
        return str(self.get_kind_display())

    def language_label(self, language: str) -> str:
        """ "IMVO-brochure — Nederlands": the brochure in one language (what staff edit)."""
        return _("%(brochure)s — %(language)s") % {
            "brochure": self.display_name,
            "language": dict(LANGUAGE_CHOICES).get(language, language),
        }

    def version_label(self, language: str, number: int | None = None) -> str:
        """ "IMVO-brochure — Nederlands, concept" / "IMVO brochure — English, version 3"."""
        state = _("version %(number)s") % {"number": number} if number else _("draft")
        return _("%(brochure_language)s, %(state)s") % {
            "brochure_language": self.language_label(language),
            "state": state,
        }


class BrochureVersion(models.Model):
    """One language of a brochure. A draft is edited; publishing freezes it under the next number."""

    brochure = models.ForeignKey(
        Brochure, verbose_name=_("brochure"), on_delete=models.PROTECT, related_name="versions"
    )
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGE_CHOICES)
    number = models.PositiveIntegerField(
        _("version number"), null=True, blank=True, help_text=_("Given when the version is published.")
    )
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True, help_text=_("A short introduction shown on the cover."))
    content_sha256 = models.CharField(
        _("content SHA-256"), max_length=64, db_index=True, help_text=_("Hash of title, summary and sections.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("brochure version")
        verbose_name_plural = _("brochure versions")
        ordering = ["brochure", "language", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["brochure", "language", "number"], name="brochure_version_number_unique"),
            models.UniqueConstraint(
                fields=["brochure", "language"],
                condition=Q(status=VersionStatus.DRAFT),
                name="brochure_one_draft_per_language",
            ),
            models.CheckConstraint(
                condition=Q(status=VersionStatus.DRAFT, number__isnull=True)
                | Q(status=VersionStatus.PUBLISHED, number__isnull=False, published_at__isnull=False),
                name="brochure_version_published_has_number",
            ),
        ]
        indexes = [models.Index(fields=["brochure", "language", "status"], name="brochure_version_lookup_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def label(self) -> str:
        """Readable for staff: "IMVO-brochure — Nederlands, concept"."""
        return self.brochure.version_label(self.language, self.number)


class BrochureSection(models.Model):
    """One chapter: a title and a body in a safe subset of Markdown."""

    version = models.ForeignKey(
        BrochureVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), help_text=_("Markdown: paragraphs, lists, bold, italics and links."))

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="brochure_section_position_unique")]

    def __str__(self) -> str:
        return self.title


class Rendition(LeasedJob):
    """The PDF of one content hash in one language, made once by the worker.

    A leased job (``core.jobs``): "rendering" is its running state; a transient error puts it
    back to pending (the task retries it).

    Keyed by (content SHA-256, language, template version): the same content is never rendered
    twice, whichever versions (or draft previews) share it.
    """

    version = models.ForeignKey(
        BrochureVersion,
        verbose_name=_("first version"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The version that first asked for this rendition."),
    )
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGE_CHOICES)
    template_version = models.CharField(_("template version"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=RenditionStatus.choices, default=RenditionStatus.PENDING, db_index=True
    )
    file = models.FileField(_("PDF file"), max_length=300, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    bytes = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    render_ms = models.PositiveIntegerField(_("render time (ms)"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, help_text=_("How often a worker started it."))
    queued_at = models.DateTimeField(_("last queued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)

    job_statuses = JobStatuses(
        pending=RenditionStatus.PENDING,
        running=RenditionStatus.RENDERING,
        retrying=RenditionStatus.PENDING,
        done=RenditionStatus.DONE,
        failed=RenditionStatus.FAILED,
    )
    job_max_attempts = MAX_RENDER_ATTEMPTS

    class Meta:
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_sha256", "language", "template_version"], name="rendition_unique_content"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_sha256[:12]} {self.language} ({self.status})"

    @property
    def is_done(self) -> bool:
        return self.status == RenditionStatus.DONE


class BrochureDailyCount(models.Model):
    """Reads per brochure version, day, channel and organisation (null = anonymous), for the dashboard.

    One row per combination, incremented with an atomic upsert; never holds personal data.
    """

    brochure = models.ForeignKey(Brochure, verbose_name=_("brochure"), on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(BrochureVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGE_CHOICES)
    day = models.DateField(_("day"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty for anonymous readers."),
    )
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("daily brochure count")
        verbose_name_plural = _("daily brochure counts")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "day", "channel", "organisation"],
                condition=Q(organisation__isnull=False),
                name="brochure_count_unique_org",
            ),
            models.UniqueConstraint(
                fields=["version", "day", "channel"],
                condition=Q(organisation__isnull=True),
                name="brochure_count_unique_anon",
            ),
        ]
        indexes = [models.Index(fields=["day", "brochure"], name="brochure_count_day_idx")]

    def __str__(self) -> str:
        return f"{self.version} {self.day} {self.channel}: {self.count}"


class PublishedHtml(models.Model):
    """The sanitised HTML of a published version's sections, made once at publish.

    Keyed by the version's content hash (and the HTML policy in force), so the online page never
    runs Markdown and the sanitiser again for text that cannot change.
    """

    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    policy = models.CharField(
        _("HTML policy"), max_length=20, help_text=_("Changes when the Markdown rules do, so the HTML is made again.")
    )
    sections = models.JSONField(_("sections"), help_text=_("Title, anchor and sanitised HTML of each section."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("published HTML")
        verbose_name_plural = _("published HTML")
        constraints = [
            models.UniqueConstraint(fields=["content_sha256", "policy"], name="brochure_published_html_unique")
        ]

    def __str__(self) -> str:
        return self.content_sha256[:12]
