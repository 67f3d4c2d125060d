from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.jobs import JobStatuses, LeasedJob

from .retry import MAX_ATTEMPTS


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    RETRYING = "retrying", _("retrying")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


# What is left of the body of a sent message that held a confirmation or reset link.
REDACTED_BODY = "[redacted: this e-mail contained a single-use link and was sent]"


class OutboxMessage(LeasedJob):
    """An e-mail written in the same transaction as the change it reports.

    A leased job (``core.jobs``): "sending" is its running state, "sent" its done state.
    Life cycle: pending → sending (a worker's claim with a lease) → sent; a transient SMTP error
    makes it retrying (with ``next_attempt_at`` further out each time), a permanent one or the last
    attempt makes it failed. Staff can put failed mail back to pending. Beat's ``outbox_flush``
    picks up what is due: pending mail the worker never got (broker down at commit time), retrying
    mail whose time has come and claims whose lease ran out (the worker died).

    Once sent, nothing reads the bodies or attachments again, so they may be cleared. A message
    that ``contains_secret`` (a confirmation or password-reset link) has its bodies replaced by
    ``REDACTED_BODY`` in the same statement that marks it sent, and the admin never shows them.
    A value that must not be stored at all (a declaration's verification code) is not in the row:
    the bodies hold a random placeholder and ``secret_values`` says how to compute the value, which
    is filled in only in the e-mail handed to the mail server (``services.secret_resolver_register``).
    """

    to = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    attachments = models.JSONField(
        _("attachments"), default=list, blank=True, help_text=_("List of {filename, mimetype, content_b64}.")
    )
    kind = models.CharField(_("kind"), max_length=80, blank=True, db_index=True)
    contains_secret = models.BooleanField(
        _("contains a secret link"),
        default=False,
        help_text=_("Confirmation or reset link: the text is erased once sent and never shown in the admin."),
    )
    secret_values = models.JSONField(
        _("values filled in at sending"),
        default=dict,
        blank=True,
        help_text=_(
            "Placeholders in the subject and bodies that are replaced only in the e-mail as it is sent "
            "(e.g. a verification code), so the value itself is never stored here."
        ),
    )
    dedupe_key = models.CharField(
        _("deduplication key"),
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Set for messages that must go out at most once (e.g. reminders)."),
    )
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=0, help_text=_("Delivery attempts since the message was queued or last resent.")
    )
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        null=True,
        blank=True,
        default=timezone.now,
        help_text=_("A pending or retrying message is not sent before this moment. Empty once sent or failed."),
    )
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    job_statuses = JobStatuses(
        pending=OutboxStatus.PENDING,
        running=OutboxStatus.SENDING,
        retrying=OutboxStatus.RETRYING,
        done=OutboxStatus.SENT,
        failed=OutboxStatus.FAILED,
    )
    job_max_attempts = MAX_ATTEMPTS

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
