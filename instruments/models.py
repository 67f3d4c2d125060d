"""EZK instruments, their IMVO framework (assessments, level decisions, roll-out phases) and the
applications that fulfil an instrument's IMVO conditions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries as country_names

from core.i18n import localised
from organisations.constants import Sector

from .constants import (
    ApplicationStatus,
    FrameworkLevel,
    FrameworkStage,
    InstrumentKind,
    InstrumentStatus,
    PolicyArea,
    TargetGroup,
)
from .rules import SCORE_MAX, SCORE_MIN


def split_codes(value: str) -> list[str]:
    return [code.strip().upper() for code in (value or "").split(",") if code.strip()]


class RolloutPhase(models.Model):
    """One step of the roll-out plan: the conditions of the instruments in it apply from its date."""

    number = models.PositiveSmallIntegerField(_("phase number"), unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    effective_from = models.DateField(
        _("effective from"), help_text=_("Conditions of this phase apply from this date.")
    )
    description = models.TextField(_("description"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("roll-out phase")
        verbose_name_plural = _("roll-out phases")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {localised(self, 'name')} ({self.effective_from:%Y-%m-%d})"

    @property
    def name(self) -> str:
        return localised(self, "name")


class Instrument(models.Model):
    """One EZK instrument or scheme, as registered by RVO (``code`` is RVO's key, used by the import)."""

    code = models.CharField(
        _("code"),
        max_length=30,
        unique=True,
        help_text=_("RVO's identifier of the instrument; the CSV import matches on it."),
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in the web address."))
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    summary_nl = models.TextField(_("summary (Dutch)"), max_length=1000)
    summary_en = models.TextField(_("summary (English)"), max_length=1000)
    kind = models.CharField(_("kind"), max_length=20, choices=InstrumentKind.choices)
    policy_area = models.CharField(_("policy area"), max_length=20, choices=PolicyArea.choices)
    for_sme = models.BooleanField(_("for SMEs"), default=True)
    for_large = models.BooleanField(_("for large companies"), default=False)
    for_knowledge = models.BooleanField(_("for knowledge institutions"), default=False)
    typical_support_eur = models.PositiveBigIntegerField(
        _("typical support (EUR)"), null=True, blank=True, help_text=_("A typical amount per applicant.")
    )
    yearly_budget_eur = models.PositiveBigIntegerField(_("yearly budget (EUR)"), null=True, blank=True)
    used_abroad = models.BooleanField(
        _("used abroad or in international chains"),
        default=False,
        help_text=_("Whether the support is used abroad or in international value chains."),
    )
    sectors = models.CharField(
        _("sectors (SBI)"), max_length=60, blank=True, help_text=_("SBI section letters, separated by commas.")
    )
    countries = models.CharField(
        _("countries"), max_length=300, blank=True, help_text=_("ISO country codes, separated by commas, if relevant.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InstrumentStatus.choices, default=InstrumentStatus.OPEN
    )
    external_reference = models.CharField(
        _("external page"),
        max_length=300,
        blank=True,
        help_text=_("Where the scheme is described (shown as text, never fetched)."),
    )
    mission = models.OneToOneField(
        "missions.Mission",
        verbose_name=_("mission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instrument",
        help_text=_("Only for instruments of kind mission."),
    )
    # The published framework decision, kept here for the catalogue's filters (set by the services).
    published_level = models.PositiveSmallIntegerField(
        _("published level"), choices=FrameworkLevel.choices, null=True, blank=True, editable=False
    )
    level_effective_from = models.DateField(_("level effective from"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["name_nl"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mission__isnull=True) | Q(kind=InstrumentKind.MISSION),
                name="instrument_mission_only_for_kind",
            ),
        ]
        indexes = [models.Index(fields=["kind", "policy_area"], name="instrument_kind_area_idx")]

    def __str__(self) -> str:
        return localised(self, "name")

    def get_absolute_url(self) -> str:
        return reverse("instruments:detail", args=[self.slug])

    @property
    def name(self) -> str:
        return localised(self, "name")

    @property
    def summary(self) -> str:
        return localised(self, "summary")

    @property
    def sector_list(self) -> list[str]:
        return split_codes(self.sectors)

    @property
    def country_list(self) -> list[str]:
        return split_codes(self.countries)

    @property
    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(code, code)) for code in self.sector_list]

    @property
    def country_labels(self) -> list[str]:
        return [country_names.name(code) or code for code in self.country_list]

    @property
    def target_group_labels(self) -> list[str]:
        flags = (
            (self.for_sme, TargetGroup.SME),
            (self.for_large, TargetGroup.LARGE),
            (self.for_knowledge, TargetGroup.KNOWLEDGE),
        )
        return [str(group.label) for flag, group in flags if flag]

    def level_on(self, day) -> int:
        """The level of conditions that applies on ``day``: the published one from its phase's date, else 0."""
        if self.published_level and self.level_effective_from and self.level_effective_from <= day:
            return self.published_level
        return FrameworkLevel.INFORMATION

    @property
    def level_now(self) -> int:
        return self.level_on(timezone.localdate())

    @property
    def stage(self) -> str:
        if not self.published_level:
            return FrameworkStage.INFORMATION
        return FrameworkStage.IN_FORCE if self.level_now else FrameworkStage.PLANNED


def _score_field(label):
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )


class Assessment(models.Model):
    """One version of RVO's assessment of an instrument on the letter's five criteria (append-only).

    A change is a new version with who, when and why; earlier versions stay viewable.
    """

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="assessments"
    )
    version = models.PositiveIntegerField(_("version"))
    admin_burden = _score_field(_("relative administrative burden"))
    admin_burden_reason = models.TextField(_("justification: administrative burden"), max_length=2000)
    level_playing_field = _score_field(_("international level playing field"))
    level_playing_field_reason = models.TextField(_("justification: level playing field"), max_length=2000)
    implementation_cost = _score_field(_("implementation cost"))
    implementation_cost_reason = models.TextField(_("justification: implementation cost"), max_length=2000)
    imvo_risk = _score_field(_("IMVO risk"))
    imvo_risk_reason = models.TextField(_("justification: IMVO risk"), max_length=2000)
    support_size = _score_field(_("size of the support"))
    support_size_reason = models.TextField(_("justification: size of the support"), max_length=2000)
    imvo_risk_suggested = _score_field(_("suggested IMVO risk"))
    risk_override_reason = models.TextField(_("reason for overriding the suggested risk"), blank=True, max_length=2000)
    suggested_level = models.PositiveSmallIntegerField(_("suggested level"), choices=FrameworkLevel.choices)
    change_reason = models.TextField(_("why this version"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("assessed at"), default=timezone.now)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["instrument", "-version"]
        constraints = [models.UniqueConstraint(fields=["instrument", "version"], name="assessment_version_unique")]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.version}"


class LevelDecision(models.Model):
    """One published level of conditions for an instrument (append-only; the latest is current).

    ``purpose_links`` holds, per condition (``"1"`` … ``"4"``), how it relates to the instrument's
    purpose (Awb); a level above 0 needs one for every condition up to it.
    """

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="level_decisions"
    )
    version = models.PositiveIntegerField(_("version"))
    assessment = models.ForeignKey(Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="+")
    suggested_level = models.PositiveSmallIntegerField(_("suggested level"), choices=FrameworkLevel.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=FrameworkLevel.choices)
    higher_reason = models.TextField(_("reason for a level above the suggestion"), blank=True, max_length=2000)
    purpose_links = models.JSONField(_("relation to the instrument's purpose (Awb)"), default=dict, blank=True)
    phase = models.ForeignKey(
        RolloutPhase,
        verbose_name=_("roll-out phase"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("level decision")
        verbose_name_plural = _("level decisions")
        ordering = ["instrument", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "version"], name="level_decision_version_unique"),
            models.CheckConstraint(condition=Q(level__lte=4), name="level_decision_level_range"),
            models.CheckConstraint(condition=Q(level=0) | Q(phase__isnull=False), name="level_decision_phase_above_0"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} level {self.level} (v{self.version})"


class InstrumentApplication(models.Model):
    """An organisation's application for an instrument, as far as its IMVO conditions go.

    The portal never refuses an application: a condition that falls short leads to a follow-up
    with guidance (``FrameworkFollowUp``), never to rejection.
    """

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="applications"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="instrument_applications",
    )
    reference = models.CharField(
        _("application reference"), max_length=40, help_text=_("The reference of your application at RVO.")
    )
    level = models.PositiveSmallIntegerField(
        _("level of conditions"),
        choices=FrameworkLevel.choices,
        help_text=_("The level in force when the application started."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    read_confirmed_at = models.DateTimeField(_("IMVO information read, confirmed at"), null=True, blank=True)
    read_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    imvo_brochure_version = models.CharField(_("IMVO brochure version opened"), max_length=100, blank=True)
    current_declaration = models.ForeignKey(
        "declarations.Declaration",
        verbose_name=_("current declaration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("instrument application")
        verbose_name_plural = _("instrument applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "organisation", "reference"], name="instrument_application_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.instrument})"


class SelfAssessment(models.Model):
    """The level-3 due-diligence self-assessment, kept as evidence (append-only; sha256 of the answers)."""

    application = models.ForeignKey(
        InstrumentApplication, verbose_name=_("application"), on_delete=models.PROTECT, related_name="self_assessments"
    )
    answers = models.JSONField(_("answers"))
    sha256 = models.CharField(_("SHA-256 of the answers"), max_length=64)
    falls_short = models.BooleanField(_("falls short"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"self-assessment {self.pk} of {self.application_id}"


class FrameworkFollowUp(models.Model):
    """Guidance and a follow-up by RVO when an answer falls short: never a rejection (no knock-out)."""

    application = models.ForeignKey(
        InstrumentApplication, verbose_name=_("application"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    reason = models.CharField(_("reason"), max_length=200)
    guidance = models.TextField(_("guidance given"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("framework follow-up")
        verbose_name_plural = _("framework follow-ups")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reason


class SignatureRequest(models.Model):
    """A member who cannot sign asked the organisation's authorised signatories to sign the
    declaration for an application: at most one request per application per (Amsterdam) day."""

    application = models.ForeignKey(
        InstrumentApplication,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="signature_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_on = models.DateField(_("requested on"))
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("signatories asked"), related_name="+")
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature request")
        verbose_name_plural = _("signature requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "requested_on"], name="signature_request_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"signature request {self.pk} for {self.application_id}"
