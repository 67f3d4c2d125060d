from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import MembershipRole, OrganisationKind, OrganisationVerification, Sector, SizeClass
from .rules import is_large_company
from .validators import validate_kvk_number


class Organisation(models.Model):
    """A company, knowledge institution or other organisation that takes part in missions."""

    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(
        _("KvK number"),
        max_length=8,
        unique=True,
        validators=[validate_kvk_number],
        help_text=_("The 8-digit number in the Dutch Chamber of Commerce (KvK) register."),
    )
    kind = models.CharField(
        _("kind"), max_length=30, choices=OrganisationKind.choices, default=OrganisationKind.COMPANY
    )
    sector = models.CharField(_("sector (SBI section)"), max_length=1, choices=Sector.choices)
    city = models.CharField(_("city"), max_length=100)
    website = models.URLField(_("website"), blank=True)
    employees = models.PositiveIntegerField(_("number of employees"), null=True, blank=True)
    annual_turnover_eur = models.DecimalField(
        _("annual turnover (EUR)"),
        max_digits=15,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    balance_sheet_total_eur = models.DecimalField(
        _("balance-sheet total (EUR)"),
        max_digits=15,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    figures_year = models.PositiveSmallIntegerField(
        _("year of the figures"), null=True, blank=True, help_text=_("The financial year the figures refer to.")
    )
    size_class = models.CharField(
        _("size class"),
        max_length=5,
        choices=SizeClass.choices,
        default=SizeClass.SME,
        editable=False,
        db_index=True,
        help_text=_("Derived from the figures by the large-company rule."),
    )
    # Who proved that the KvK number is theirs: an eHerkenning login for it, or RVO staff. Until
    # then the organisation cannot sign declarations (``policies``); set only by
    # ``services.organisation_verify`` and ``organisation_create`` (eHerkenning).
    verification = models.CharField(
        _("verification"),
        max_length=12,
        choices=OrganisationVerification.choices,
        default=OrganisationVerification.UNVERIFIED,
        db_index=True,
        help_text=_("Whether the KvK number is proven by an eHerkenning login for it or by RVO staff."),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The eHerkenning user who logged in for the KvK number, or the RVO staff member."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organisations")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verification=OrganisationVerification.UNVERIFIED, verified_at__isnull=True)
                | (~models.Q(verification=OrganisationVerification.UNVERIFIED) & models.Q(verified_at__isnull=False)),
                name="organisation_verified_has_time",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.size_class = SizeClass.LARGE if self.is_large else SizeClass.SME
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "size_class"}
        super().save(*args, **kwargs)

    @property
    def is_large(self) -> bool:
        return is_large_company(
            employees=self.employees,
            turnover_eur=self.annual_turnover_eur,
            balance_sheet_total_eur=self.balance_sheet_total_eur,
        )

    @property
    def is_verified(self) -> bool:
        return self.verification != OrganisationVerification.UNVERIFIED

    @property
    def missing_profile_fields(self) -> list[str]:
        required = [
            "name",
            "kvk_number",
            "kind",
            "sector",
            "city",
            "employees",
            "annual_turnover_eur",
            "balance_sheet_total_eur",
            "figures_year",
        ]
        return [str(self._meta.get_field(f).verbose_name) for f in required if getattr(self, f) in (None, "")]

    @property
    def is_profile_complete(self) -> bool:
        return not self.missing_profile_fields


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    is_authorised_signatory = models.BooleanField(
        _("authorised signatory"),
        default=False,
        help_text=_("May sign declarations on behalf of the organisation."),
    )
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")]
        ordering = ["organisation__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"

    @property
    def is_admin(self) -> bool:
        return self.role == MembershipRole.ADMIN


class Invitation(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    is_authorised_signatory = models.BooleanField(_("authorised signatory"), default=False)
    # The link's token is never stored: only its SHA-256 (``core.tokens.stored_token_new``), so the
    # database, a backup or the admin shows nothing that opens the invitation.
    token_sha256 = models.CharField(
        _("token (SHA-256)"),
        max_length=64,
        unique=True,
        editable=False,
        help_text=_("Digest of the invitation link's token; the token itself is only in the e-mail."),
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"
