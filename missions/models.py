from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.i18n import localised
from core.markdown import validate_markdown_size

from .constants import ACTIVE_STATUSES, AttendanceStatus, MissionStatus, RegistrationStatus, Theme
from .lifecycle import withdrawal_transition
from .rules import registration_open


class Mission(models.Model):
    """An innovation mission abroad that organisations register for."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True, help_text=_("Used in the web address."))
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    summary_nl = models.TextField(_("summary (Dutch)"), max_length=600, help_text=_("One or two sentences."))
    summary_en = models.TextField(_("summary (English)"), max_length=600, help_text=_("One or two sentences."))
    description_nl = models.TextField(
        _("description (Dutch)"), help_text=_("Markdown."), validators=[validate_markdown_size]
    )
    description_en = models.TextField(
        _("description (English)"), help_text=_("Markdown."), validators=[validate_markdown_size]
    )
    programme_nl = models.TextField(_("programme (Dutch)"), blank=True, help_text=_("One programme item per line."))
    programme_en = models.TextField(_("programme (English)"), blank=True, help_text=_("One programme item per line."))
    country = CountryField(_("destination country"), help_text=_("Where the mission goes."))
    city_nl = models.CharField(_("city (Dutch)"), max_length=100, blank=True)
    city_en = models.CharField(_("city (English)"), max_length=100, blank=True)
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices, default=Theme.OTHER)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    registration_opens_at = models.DateTimeField(_("registration opens at"))
    registration_closes_at = models.DateTimeField(_("registration closes at"))
    capacity_min = models.PositiveSmallIntegerField(
        _("minimum number of organisations"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("The mission goes ahead from this number of confirmed organisations."),
    )
    capacity_max = models.PositiveSmallIntegerField(
        _("maximum number of organisations"),
        default=15,
        validators=[MinValueValidator(1)],
        help_text=_("Seats; further registrations go on the waiting list."),
    )
    status = models.CharField(_("status"), max_length=20, choices=MissionStatus.choices, default=MissionStatus.DRAFT)
    requires_declaration = models.BooleanField(
        _("requires a signed declaration"),
        default=True,
        help_text=_("Registrations that decline the declaration are held for RVO review."),
    )
    lead_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("RVO contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The RVO employee who leads the mission."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["starts_on", "pk"]
        indexes = [
            models.Index(fields=["status", "starts_on"], name="mission_status_start_idx"),
            models.Index(fields=["status", "theme"], name="mission_status_theme_idx"),
            models.Index(fields=["status", "country"], name="mission_status_country_idx"),
            models.Index(fields=["status", "registration_closes_at"], name="mission_status_closes_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="mission_dates_order"),
            models.CheckConstraint(
                condition=models.Q(capacity_max__gte=models.F("capacity_min")), name="mission_capacity_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("missions:detail", args=[self.slug])

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The mission cannot end before it starts.")
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and (self.registration_closes_at <= self.registration_opens_at)
        ):
            errors["registration_closes_at"] = _("Registration must close after it opens.")
        if self.capacity_min and self.capacity_max and self.capacity_max < self.capacity_min:
            errors["capacity_max"] = _("The maximum cannot be lower than the minimum.")
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        return localised(self, "title")

    @property
    def summary(self) -> str:
        return localised(self, "summary")

    @property
    def description(self) -> str:
        return localised(self, "description")

    @property
    def programme(self) -> str:
        return localised(self, "programme")

    @property
    def city(self) -> str:
        return localised(self, "city")

    @property
    def programme_items(self) -> list[str]:
        return [line.strip() for line in self.programme.splitlines() if line.strip()]

    def registration_is_open(self, now=None) -> bool:
        return registration_open(self, now)


class Registration(models.Model):
    """One organisation's registration for one mission."""

    mission = models.ForeignKey(
        Mission, verbose_name=_("mission"), on_delete=models.PROTECT, related_name="registrations"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.DRAFT,
    )
    waitlist_position = models.PositiveIntegerField(
        _("position on the waiting list"), null=True, blank=True, help_text=_("1 is next in line.")
    )
    motivation = models.TextField(_("motivation"), blank=True, max_length=3000)
    draft_step = models.PositiveSmallIntegerField(
        _("last step reached"), default=1, help_text=_("Step of the registration form reached while a draft.")
    )
    draft_data = models.JSONField(
        _("draft answers"),
        default=dict,
        blank=True,
        help_text=_("Answers of later steps kept between steps; emptied on submission."),
    )
    imvo_brochure_opened_at = models.DateTimeField(_("IMVO brochure opened at"), null=True, blank=True)
    imvo_brochure_version = models.CharField(
        _("IMVO brochure version opened"),
        max_length=100,
        blank=True,
    )
    current_declaration = models.ForeignKey(
        "declarations.Declaration",
        verbose_name=_("current declaration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The latest declaration record of this registration."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True, max_length=2000)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["mission", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "organisation"], name="unique_registration_per_organisation"),
            models.UniqueConstraint(
                fields=["mission", "waitlist_position"],
                condition=models.Q(waitlist_position__isnull=False),
                name="unique_waitlist_position",
            ),
        ]
        indexes = [
            models.Index(fields=["mission", "status"], name="registration_mission_status"),
            models.Index(fields=["status", "status_changed_at"], name="registration_status_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.mission}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def can_withdraw(self) -> bool:
        """Whether the status allows withdrawing (or discarding a draft); who may is a policy."""
        return self.status in withdrawal_transition(self.status).sources


class Participant(models.Model):
    """A person who travels with the mission on behalf of a registered organisation."""

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="participants"
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail address"))
    position = models.CharField(_("position"), max_length=150)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["registration", "pk"]

    def __str__(self) -> str:
        return self.name


class PreparationSession(models.Model):
    """A preparation meeting before the mission (the agenda lives in the staff app)."""

    mission = models.ForeignKey(
        Mission, verbose_name=_("mission"), on_delete=models.CASCADE, related_name="preparation_sessions"
    )
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=300, blank=True, help_text=_("Address, if in person."))
    online_url = models.URLField(_("online link"), blank=True, help_text=_("Meeting link, if online."))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("preparation session")
        verbose_name_plural = _("preparation sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_times_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localised(self, "title")

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The session must end after it starts.")})


class Attendance(models.Model):
    """Whether a participant was invited to, attended, missed or was excused from a session."""

    session = models.ForeignKey(
        "PreparationSession",
        verbose_name=_("preparation session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    participant = models.ForeignKey(
        "Participant", verbose_name=_("participant"), on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AttendanceStatus.choices, default=AttendanceStatus.INVITED
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "participant__name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="missions_attendance_one_per_participant"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} – {self.get_status_display()}"
