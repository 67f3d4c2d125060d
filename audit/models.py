from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An append-only record was about to be changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One thing that happened, by whom, to what. Never edited, never deleted.

    Enforced here and by the database: triggers refuse UPDATE, DELETE and TRUNCATE (migration 0002,
    ``audit/protection.py`` on SQLite) and the portal's PostgreSQL role may only INSERT and SELECT.
    A user who acted cannot therefore be deleted (``actor`` would be set to NULL): erase or
    deactivate the account instead (``privacy.services.account_delete``).

    No personal data in this row: the actor is named by the pseudonymous label ``user#<id>``
    (``audit.services.actor_label``) and ``details`` holds no e-mail address, name or IP address.
    Those live in the erasable ``AuditEventPersonal`` row of the event (``event.personal``).

    Keyed chain (``audit/chain.py``): ``sequence``, ``previous_hash``, ``key_id`` and the keyed
    ``record_hash``; ``personal_hash`` commits to the personal part. Events written before the
    chain have no sequence and are committed to as a whole by the first chained event.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(
        _("actor"), max_length=254, blank=True, help_text=_("Pseudonymous label of the actor: user#<id>.")
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True, blank=True, db_index=True)
    # Set before the keyed hash is computed (not ``auto_now_add``, which would set it after).
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False, db_index=True)
    details = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("What happened, without personal data.")
    )
    sequence = models.PositiveBigIntegerField(
        _("sequence number"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("Place in the keyed chain of the audit trail; empty on events written before the chain."),
    )
    previous_hash = models.CharField(
        _("hash of the previous event"), max_length=64, blank=True, default="", db_default=""
    )
    key_id = models.CharField(
        _("chain key id"),
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text=_("Which key computed the hashes; the key itself is never stored in the database."),
    )
    personal_hash = models.CharField(
        _("keyed hash of the personal part"),
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text=_("Empty when the event has no personal part."),
    )
    record_hash = models.CharField(_("record hash"), max_length=64, blank=True, default="", db_default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")


class AuditEventPersonal(models.Model):
    """The personal part of one audit event: who exactly, from where. Not evidence, so erasable.

    Kept apart from the append-only ``AuditEvent`` so that retention (``privacy.retention``) and
    account deletion (``privacy.services.account_delete``) can erase it: the fields are emptied and
    ``erased_at`` set, so readers can say "erased" instead of showing nothing. Written only by
    ``audit.services.audit_event_record``; erased only by ``audit.services.audit_personal_erase``,
    whose callers record the erasure as an appended event.
    """

    event = models.OneToOneField(
        AuditEvent,
        verbose_name=_("audit event"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="personal",
    )
    actor_email = models.CharField(_("actor e-mail"), max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    details = models.JSONField(
        _("personal details"),
        default=dict,
        blank=True,
        help_text=_("Details of the event that are personal data (e-mail addresses, names)."),
    )
    subject_email = models.CharField(
        _("about address"),
        max_length=254,
        blank=True,
        db_index=True,
        help_text=_(
            "The normalised address the event is about (the address of a failed login), as a whole value; "
            "the privacy pages select by it. Erased with the rest."
        ),
    )
    subject_user_id = models.BigIntegerField(
        _("about user id"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The account the event is about, when it is about an account (a pseudonymous id, kept)."),
    )
    salt = models.CharField(
        _("salt"), max_length=64, blank=True, default="", db_default="", help_text=_("Erased with the data.")
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, db_index=True)
    erasure_event = models.ForeignKey(
        AuditEvent,
        verbose_name=_("erasure event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The audit event that erased this part (the database refuses an erasure without one)."),
    )

    class Meta:
        verbose_name = _("personal data of an audit event")
        verbose_name_plural = _("personal data of audit events")

    def __str__(self) -> str:
        return f"personal data of audit event #{self.event_id}"

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None
