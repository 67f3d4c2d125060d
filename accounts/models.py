from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from .constants import LANGUAGE_CHOICES
from .identity import normalise_email
from .recovery import recovery_code_matches


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalise_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        # The same normalisation as the lockout's key (accounts.identity); stored addresses are normalised.
        return self.get(email=normalise_email(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=LANGUAGE_CHOICES,
        default="nl",
        help_text=_("Language of the e-mails the portal sends you."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive users cannot log in, e.g. before confirming their e-mail.")
    )
    is_staff = models.BooleanField(_("admin site access"), default=False)
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    # Raised to end every session of the account at once (e.g. an administrator resets its second
    # factor): it is part of the session auth hash that Django checks on every request.
    session_epoch = models.PositiveIntegerField(_("session generation"), default=0, editable=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            # "A@x" and "a@x" can never be two accounts, whatever path wrote them.
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("An account with this e-mail address already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = normalise_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def group_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def _get_session_auth_hash(self, secret=None):
        """Django's HMAC of the password hash, with the session generation once it was raised, so
        that raising ``session_epoch`` ends every session (generation 0 keeps Django's value)."""
        value = self.password if not self.session_epoch else f"{self.password}|epoch:{self.session_epoch}"
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class ThrottleCounter(models.Model):
    """A rate-limit counter kept in the database while the cache (Redis) is unreachable.

    One row per key and time window; see ``accounts.throttle``.
    """

    key = models.CharField(_("key"), max_length=200)
    window_start = models.BigIntegerField(_("window start"), help_text=_("Unix time the window began."))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    last_hit_at = models.FloatField(_("last hit at"), default=0, help_text=_("Unix time of the latest hit."))

    class Meta:
        verbose_name = _("throttle counter")
        verbose_name_plural = _("throttle counters")
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="accounts_throttle_key_window")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start}: {self.count}"


class RecoveryCodeDevice(Device):
    """The user's recovery codes as a django-otp device; the codes are kept only as salted, keyed
    hashes (ASVS 6.5.2), each works once (its row is deleted under the device's row lock)."""

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def verify_token(self, token) -> bool:
        for code in self.codes.all():
            if recovery_code_matches(code.digest, token):
                code.delete()
                return True
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(
        _("hash"), max_length=120, help_text=_("Salt and keyed hash; the code itself is not kept.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code #{self.pk}"
