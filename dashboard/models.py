"""Aggregates for the ministry dashboard: facts without personal data, and rollups built from them.

Nothing here holds a name, e-mail address or IP address. The fact tables keep one row per
registration / attendance with only ids and categories, and are never pruned when the source
rows are deleted or erased, so the figures survive the retention policy. The rollups follow the
facts incrementally (``dashboard.services.rollups_refresh``: Celery beat every few minutes, or on
read when stale) from the outbox of changes (``FactChange``, filled by database triggers); a full
rebuild (``manage.py dashboard_rebuild``) remains for repair and gives the same figures.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.constants import OrganisationKind, Sector, SizeClass


class MissionDimension(models.Model):
    """What the dashboard needs to know about a mission; kept when the mission is gone."""

    mission_id = models.BigIntegerField(_("mission id"), unique=True)
    slug = models.SlugField(_("slug"), max_length=100)
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    country = models.CharField(_("destination country"), max_length=2)
    year = models.PositiveSmallIntegerField(_("year"), help_text=_("The year the mission starts."))
    starts_on = models.DateField(_("starts on"))

    class Meta:
        verbose_name = _("mission (dashboard)")
        verbose_name_plural = _("missions (dashboard)")
        ordering = ["starts_on", "mission_id"]

    def __str__(self) -> str:
        return self.title_nl


class RegistrationFact(models.Model):
    """One submitted registration, reduced to ids and categories (no personal data).

    Updated from the live rows on every refresh; never deleted, and a recorded decision is never
    blanked out because the declaration or registration it came from has gone.
    """

    registration_id = models.BigIntegerField(_("registration id"), unique=True)
    mission_id = models.BigIntegerField(_("mission id"))
    organisation_id = models.BigIntegerField(
        _("organisation id"), help_text=_("Only used to count distinct organisations.")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    country = models.CharField(_("destination country"), max_length=2)
    sector = models.CharField(_("sector"), max_length=1, choices=Sector.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    size_class = models.CharField(_("size class"), max_length=5, choices=SizeClass.choices)
    status = models.CharField(_("registration status"), max_length=20)
    decision = models.CharField(
        _("current declaration decision"), max_length=20, blank=True, help_text=_("Empty while pending.")
    )
    first_seen_at = models.DateTimeField(_("first seen at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("registration fact")
        verbose_name_plural = _("registration facts")
        indexes = [
            models.Index(fields=["year", "country", "mission_id"], name="dash_fact_scope"),
            models.Index(fields=["organisation_id"], name="dash_fact_organisation"),
        ]

    def __str__(self) -> str:
        return f"registration {self.registration_id}"


class AttendanceFact(models.Model):
    """One attendance record of a preparation session, reduced to ids and categories."""

    attendance_id = models.BigIntegerField(_("attendance id"), unique=True)
    mission_id = models.BigIntegerField(_("mission id"))
    year = models.PositiveSmallIntegerField(_("year"))
    sector = models.CharField(_("sector"), max_length=1, choices=Sector.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    size_class = models.CharField(_("size class"), max_length=5, choices=SizeClass.choices)
    status = models.CharField(_("attendance status"), max_length=10)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("attendance fact")
        verbose_name_plural = _("attendance facts")

    def __str__(self) -> str:
        return f"attendance {self.attendance_id}"


class BrochureCountFact(models.Model):
    """A copy of one daily brochure counter (never lowered, kept when the source row is deleted)."""

    source_id = models.BigIntegerField(_("counter id"), unique=True)
    day = models.DateField(_("day"))
    channel = models.CharField(_("channel"), max_length=10, help_text=_("online or pdf."))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("brochure counter fact")
        verbose_name_plural = _("brochure counter facts")

    def __str__(self) -> str:
        return f"{self.day} {self.channel}: {self.count}"


class UptakeFigures(models.Model):
    """The key and the figures of an uptake rollup row (true or published)."""

    year = models.PositiveSmallIntegerField(_("year"), help_text=_("0 = all years."))
    country = models.CharField(_("destination country"), max_length=2, blank=True, help_text=_("Empty = all."))
    mission_id = models.BigIntegerField(_("mission id"), help_text=_("0 = all missions."))
    sector = models.CharField(_("sector"), max_length=1, choices=Sector.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    size_class = models.CharField(_("size class"), max_length=5, choices=SizeClass.choices)
    registrations = models.PositiveIntegerField(_("registrations"), default=0)
    organisations = models.PositiveIntegerField(_("organisations"), default=0)
    organisations_endorsed = models.PositiveIntegerField(
        _("organisations that endorsed"),
        default=0,
        help_text=_("Organisations with at least one registration whose current decision is endorsed."),
    )
    declarations_endorsed = models.PositiveIntegerField(_("declarations endorsed"), default=0)
    declarations_not_endorsed = models.PositiveIntegerField(_("declarations not endorsed"), default=0)
    declarations_pending = models.PositiveIntegerField(_("declarations pending"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.year}/{self.country}/{self.mission_id}/{self.sector}/{self.kind}/{self.size_class}"


class UptakeRollup(UptakeFigures):
    """Sums per scope and organisation category (the true figures; never shown as they are).

    Scope rows: (year, country, mission) for one mission; (year, country) with mission 0; (year)
    with country "" and mission 0; (country) with year 0; and the grand total (0, "", 0). Within a
    scope every organisation falls in exactly one (sector, kind, size class), so organisation
    counts add up over those three dimensions.
    """

    class Meta:
        verbose_name = _("uptake rollup")
        verbose_name_plural = _("uptake rollups")
        indexes = [models.Index(fields=["mission_id", "country", "year"], name="dash_rollup_scope")]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "country", "mission_id", "sector", "kind", "size_class"], name="dash_rollup_unique"
            )
        ]


class PublishedUptakeRollup(UptakeFigures):
    """The rows of ``UptakeRollup`` as the dashboard publishes them: the figures of the pseudo data
    set in which every profile has P organisations instead of X (``dashboard.disclosure``)."""

    class Meta:
        verbose_name = _("published uptake rollup")
        verbose_name_plural = _("published uptake rollups")
        indexes = [models.Index(fields=["mission_id", "country", "year"], name="dash_published_scope")]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "country", "mission_id", "sector", "kind", "size_class"],
                name="dash_published_unique",
            )
        ]


class UptakeProfile(models.Model):
    """One profile of organisations: X organisations share it, P are published (a multiple of B)."""

    key = models.CharField(_("key"), max_length=64, unique=True, help_text=_("SHA-256 of the signature."))
    signature = models.TextField(
        _("signature"), help_text=_("Category and (mission, year, destination, decision) of each registration.")
    )
    organisations = models.PositiveIntegerField(_("organisations (X)"), default=0)
    published = models.PositiveIntegerField(_("published organisations (P)"), default=0)

    class Meta:
        verbose_name = _("organisation profile")
        verbose_name_plural = _("organisation profiles")

    def __str__(self) -> str:
        return f"{self.key[:12]}: {self.organisations} -> {self.published}"


class UptakeOrganisation(models.Model):
    """How many registrations (and endorsed ones) one organisation has in one rollup row.

    Lets the incremental refresh keep the distinct-organisation counts of ``UptakeRollup`` exact
    without recounting: an organisation counts in a row while it has a registration there. Only
    for the scopes above one mission; within one mission an organisation has one registration.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    country = models.CharField(_("destination country"), max_length=2, blank=True)
    mission_id = models.BigIntegerField(_("mission id"))
    sector = models.CharField(_("sector"), max_length=1, choices=Sector.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    size_class = models.CharField(_("size class"), max_length=5, choices=SizeClass.choices)
    organisation_id = models.BigIntegerField(_("organisation id"))
    registrations = models.PositiveIntegerField(_("registrations"), default=0)
    endorsed = models.PositiveIntegerField(_("endorsed"), default=0)

    class Meta:
        verbose_name = _("organisation in a rollup")
        verbose_name_plural = _("organisations in rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "year", "country", "mission_id", "sector", "kind", "size_class"],
                name="dash_uptake_org_unique",
            )
        ]

    def __str__(self) -> str:
        return f"organisation {self.organisation_id}"


class FactChange(models.Model):
    """One changed source row, appended by a database trigger (``dashboard/changes.py``)."""

    kind = models.CharField(
        _("kind"), max_length=1, help_text=_("r registration, o organisation, m mission, a attendance.")
    )
    key = models.BigIntegerField(_("id of the changed row"))

    class Meta:
        verbose_name = _("changed source row")
        verbose_name_plural = _("changed source rows")

    def __str__(self) -> str:
        return f"{self.kind}{self.key}"


class AttendanceRollup(models.Model):
    """Attendance records per mission and organisation category."""

    year = models.PositiveSmallIntegerField(_("year"))
    mission_id = models.BigIntegerField(_("mission id"))
    sector = models.CharField(_("sector"), max_length=1, choices=Sector.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    size_class = models.CharField(_("size class"), max_length=5, choices=SizeClass.choices)
    invited = models.PositiveIntegerField(_("invited, not yet recorded"), default=0)
    attended = models.PositiveIntegerField(_("attended"), default=0)
    absent = models.PositiveIntegerField(_("absent"), default=0)
    excused = models.PositiveIntegerField(_("excused"), default=0)
    # Published: each count randomly rounded to a multiple of the base (``disclosure.random_round``).
    invited_shown = models.PositiveIntegerField(_("invited (published)"), default=0)
    attended_shown = models.PositiveIntegerField(_("attended (published)"), default=0)
    absent_shown = models.PositiveIntegerField(_("absent (published)"), default=0)
    excused_shown = models.PositiveIntegerField(_("excused (published)"), default=0)

    class Meta:
        verbose_name = _("attendance rollup")
        verbose_name_plural = _("attendance rollups")
        indexes = [models.Index(fields=["year", "mission_id"], name="dash_attendance_scope")]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "mission_id", "sector", "kind", "size_class"], name="dash_attendance_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.mission_id}"


class BrochureRollup(models.Model):
    """Brochure downloads and online views per year (counters only, no visitor data)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    downloads = models.PositiveBigIntegerField(_("downloads"), default=0)
    online_views = models.PositiveBigIntegerField(_("online views"), default=0)

    class Meta:
        verbose_name = _("brochure rollup")
        verbose_name_plural = _("brochure rollups")

    def __str__(self) -> str:
        return str(self.year)


class RefreshState(models.Model):
    """When the rollups were last brought up to date (a single row)."""

    refreshed_at = models.DateTimeField(_("refreshed at"))
    rebuilt_at = models.DateTimeField(
        _("rebuilt at"), null=True, blank=True, help_text=_("Last full rebuild; empty until the first.")
    )
    changes = models.PositiveIntegerField(_("changes applied"), default=0, help_text=_("In the last refresh."))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    facts = models.PositiveIntegerField(_("registration facts"), default=0)

    class Meta:
        verbose_name = _("refresh state")
        verbose_name_plural = _("refresh state")

    def __str__(self) -> str:
        return f"{self.refreshed_at:%Y-%m-%d %H:%M}"


class DashboardRelease(models.Model):
    """One publication of the ministry's figures (``dashboard.release_method``): what leaves the portal.

    Made at a fixed cadence by beat (``DASHBOARD_RELEASE_CADENCE``) or by ``manage.py
    dashboard_release``; never changed afterwards. The number is never issued twice.
    """

    number = models.PositiveIntegerField(_("number"), unique=True)
    period = models.CharField(
        _("period"),
        max_length=10,
        db_index=True,
        help_text=_("The period of the cadence it was published in, e.g. 2026-12 or 2026-W49."),
    )
    published_at = models.DateTimeField(_("published at"))
    method = models.CharField(_("method"), max_length=40)
    parameters = models.JSONField(_("parameters"), default=dict, help_text=_("The public parameters of the method."))
    rho = models.FloatField(_("privacy budget spent (rho, zCDP)"))
    figures = models.JSONField(
        _("other figures"), default=dict, help_text=_("Released instrument cells and the true-data size used.")
    )

    class Meta:
        verbose_name = _("dashboard release")
        verbose_name_plural = _("dashboard releases")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.period})"


class ReleasedUptakeRollup(UptakeFigures):
    """A released uptake cell (scope x category) of one release; cells published as all 0 are not stored."""

    release = models.ForeignKey(
        DashboardRelease, on_delete=models.PROTECT, related_name="cells", verbose_name=_("release")
    )

    class Meta:
        verbose_name = _("released uptake cell")
        verbose_name_plural = _("released uptake cells")
        indexes = [models.Index(fields=["release", "mission_id", "country", "year"], name="dash_released_scope")]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "year", "country", "mission_id", "sector", "kind", "size_class"],
                name="dash_released_unique",
            )
        ]
