import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.jobs import JobStatuses, LeasedJob

from .constants import (
    CHECKPOINT_FORMAT_1,
    CHECKPOINT_FORMAT_CURRENT,
    OECD_EDITION,
    RECORD_FORMAT_2,
    RECORD_FORMAT_3,
    RECORD_FORMAT_CURRENT,
    RECORD_FORMAT_LEGACY,
    CheckpointReason,
    Decision,
    ReceiptStatus,
    TextKind,
)
from .keys import current_chain_key_id
from .subjects import other_kind_of_text, subject_key_for, subject_of, undertaking_of


def text_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class DeclarationText(models.Model):
    """One language of one version of the declaration text of one kind; immutable once published.

    Each kind of undertaking (``TextKind``) has its own text, versioned on its own; a body may name
    the undertaking with ``{undertaking}``, filled in where the signatory reads it (``subjects.text_for``).
    """

    kind = models.CharField(
        _("kind of undertaking"),
        max_length=20,
        choices=TextKind.choices,
        default=TextKind.MISSION,
        db_default=TextKind.MISSION,  # the texts published before kinds existed are the missions' text
    )
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=5, choices=[("nl", _("Dutch")), ("en", _("English"))])
    body = models.TextField(_("text"), help_text=_("The exact text the signatory agrees to (Markdown)."))
    oecd_edition = models.CharField(
        _("OECD Guidelines edition"),
        max_length=20,
        default=OECD_EDITION,
        help_text=_("Edition of the OECD Guidelines for Multinational Enterprises the text refers to."),
    )
    sha256 = models.CharField(_("SHA-256 of the text"), max_length=64, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declaration text")
        verbose_name_plural = _("declaration texts")
        ordering = ["kind", "-version", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version", "language"], name="unique_text_kind_version_language")
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} ({self.language})"

    def save(self, *args, **kwargs):
        if self.pk:
            stored = DeclarationText.objects.filter(pk=self.pk).values("published_at").first()
            if stored and stored["published_at"] is not None:
                raise ValidationError(_("A published declaration text cannot be changed; publish a new version."))
        self.sha256 = text_sha256(self.body)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ValidationError(_("A published declaration text cannot be deleted."))
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class DeclarationQuerySet(models.QuerySet):
    def for_subject(self, subject) -> "DeclarationQuerySet":
        """The records about one subject (any registered subject type)."""
        return self.filter(subject_type=subject_key_for(subject), subject_id=subject.pk)


class Declaration(models.Model):
    """Append-only evidence of one decision on the declaration (signed, declined or withdrawn).

    Personal fields live in ``DeclarationPersonalData`` so they can be erased; this row commits
    only to their salted hash. ``record_hash`` is an HMAC-SHA-256, with the chain key named by
    ``key_id`` (never stored in the database), of the canonical serialisation of every field below
    plus ``previous_hash``, which chains the records (``declarations/hashing.py``). Signed
    ``Checkpoint`` rows anchor the head of the chain. Triggers refuse UPDATE, DELETE and TRUNCATE;
    the portal's database role has INSERT and SELECT only.
    """

    sequence = models.PositiveBigIntegerField(_("sequence number"), unique=True, editable=False)
    reference = models.CharField(
        _("reference"),
        max_length=20,
        blank=True,
        editable=False,
        help_text=_("Short reference on the receipt, IMVO-YYYY-NNNNNN (empty on records written before references)."),
    )
    format_version = models.PositiveSmallIntegerField(
        _("record format"),
        default=RECORD_FORMAT_CURRENT,
        db_default=RECORD_FORMAT_LEGACY,  # rows inserted by SQL that does not know the column
        editable=False,
        help_text=_("Which serialisation the record hash covers (declarations/hashing.py)."),
    )
    # The subject (``subjects.py``): a registered type and the subject's id, with no foreign key to
    # the higher app. Format 2 hashes them with ``subject_snapshot``, the undertaking as signed.
    subject_type = models.CharField(_("subject type"), max_length=40)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject_snapshot = models.JSONField(
        _("undertaking at signing"),
        default=dict,
        blank=True,
        help_text=_("Kind, code, name and reference of the undertaking as signed (empty on format 1 records)."),
    )
    # Format 1 records name their subject in these columns (hashed there); they stay as written.
    legacy_registration_id = models.PositiveBigIntegerField(
        _("registration (format 1)"), null=True, blank=True, db_column="registration_id", editable=False
    )
    legacy_instrument_application_id = models.PositiveBigIntegerField(
        _("instrument application (format 1)"),
        null=True,
        blank=True,
        db_column="instrument_application_id",
        editable=False,
    )
    instrument_code = models.CharField(
        _("instrument code at signing (format 1)"), max_length=30, blank=True, db_default="", editable=False
    )
    application_reference = models.CharField(
        _("application reference at signing (format 1)"), max_length=40, blank=True, db_default="", editable=False
    )
    framework_level = models.PositiveSmallIntegerField(
        _("framework level at signing (format 1)"), null=True, blank=True, editable=False
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    organisation_name = models.CharField(_("organisation name at signing"), max_length=200)
    organisation_kvk = models.CharField(_("KvK number at signing"), max_length=8)
    text = models.ForeignKey(
        DeclarationText, verbose_name=_("declaration text"), on_delete=models.PROTECT, related_name="declarations"
    )
    text_kind = models.CharField(_("kind of text"), max_length=20, blank=True, db_default="")
    text_version = models.PositiveIntegerField(_("text version"))
    text_language = models.CharField(_("text language"), max_length=5)
    text_sha256 = models.CharField(_("SHA-256 of the text as signed"), max_length=64)
    signed_text_sha256 = models.CharField(
        _("SHA-256 of the text as shown"),
        max_length=64,
        blank=True,
        db_default="",
        help_text=_("The text with the undertaking's name filled in, as the signatory read it (format 2)."),
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    explanation = models.TextField(
        _("explanation (formats 1 and 2)"),
        blank=True,
        help_text=_("Empty from format 3 on: the explanation is in the erasable personal data."),
    )
    confirms_authority = models.BooleanField(
        _("confirms authority"),
        default=False,
        help_text=_("The signatory confirmed authority to bind the organisation."),
    )
    authority = models.CharField(
        _("authority from eHerkenning"),
        max_length=300,
        blank=True,
        default="",
        db_default="",  # rows written by SQL that does not know the column (tools, older code)
        help_text=_(
            "Set when the authority to sign came from an eHerkenning authorisation for the login session: "
            "source, assurance level and time. Empty for a standing authorised signatory."
        ),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at (UTC)"))
    brochure_version = models.CharField(
        _("IMVO brochure version opened"), max_length=100, blank=True, help_text=_("Empty if not opened.")
    )
    reused_from = models.ForeignKey(
        "self",
        verbose_name=_("re-used from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("An earlier declaration of the same text that was confirmed again."),
    )
    personal_hash = models.CharField(_("salted hash of the personal data"), max_length=64)
    previous_hash = models.CharField(_("hash of the previous record"), max_length=64, unique=True)
    key_id = models.CharField(
        _("chain key id"),
        max_length=40,
        default=current_chain_key_id,
        editable=False,
        help_text=_("Which key computed the record hash; the key itself is never stored in the database."),
    )
    record_hash = models.CharField(_("record hash"), max_length=64, unique=True)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "sequence"], name="declaration_subject_seq"),
            models.Index(fields=["organisation", "decision", "signed_at"], name="declaration_org_decision"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~models.Q(reference=""), name="unique_declaration_reference"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(format_version__gte=RECORD_FORMAT_2)
                    & models.Q(legacy_registration_id__isnull=True, legacy_instrument_application_id__isnull=True)
                    & models.Q(instrument_code="", application_reference="", framework_level__isnull=True)
                )
                | models.Q(format_version=RECORD_FORMAT_LEGACY),
                name="declaration_format2_no_legacy_subject",
            ),
            models.CheckConstraint(condition=~models.Q(subject_type=""), name="declaration_has_subject"),
            # From format 3 on, typed text lives in the erasable personal part, never in the record.
            models.CheckConstraint(
                condition=models.Q(format_version__lt=RECORD_FORMAT_3) | models.Q(explanation=""),
                name="declaration_format3_no_free_text",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.organisation_name} ({self.get_decision_display()})"

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.pop("_allow_insert_only", False):
            raise ValidationError(_("Declaration records cannot be changed; add a new record instead."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Declaration records cannot be deleted."))

    @property
    def subject(self):
        """What was declared for, through the subject protocol (``subjects.subject_of``)."""
        return subject_of(self)

    @property
    def undertaking(self):
        """The undertaking as signed (``subjects.undertaking_of``)."""
        return undertaking_of(self)

    @property
    def typed_explanation(self) -> str:
        """The explanation the signatory typed (not endorsed, withdrawal reason), while it exists.

        Formats 1 and 2 hold it in the record (for ever); from format 3 on it is in the erasable
        personal part (select_related ``personal`` to read many) and gone once that is erased.
        """
        if self.explanation or self.format_version < RECORD_FORMAT_3:
            return self.explanation
        personal = getattr(self, "personal", None)
        return personal.explanation if personal is not None else ""

    @property
    def signed_with_other_kind_of_text(self) -> bool:
        """Signed with the text of another kind of undertaking (an instrument signed with the missions' text).

        Shown on the receipt page and on ``/verify/``; the record itself is never rewritten.
        """
        return other_kind_of_text(self, self.undertaking)


class DeclarationPersonalData(models.Model):
    """The personal fields of one declaration, erasable under the retention policy.

    The only change the database allows is the erasure itself: every personal field emptied and
    ``erased_at`` set once, matching a ``PersonalDataErasure`` appended in the same transaction.
    """

    declaration = models.OneToOneField(
        Declaration,
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="personal",
        primary_key=True,
    )
    signatory_name = models.CharField(_("signatory name"), max_length=150, blank=True)
    signatory_position = models.CharField(_("signatory position"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    explanation = models.TextField(
        _("explanation"),
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "What the signatory typed (not endorsed, reason for a withdrawal), from record format 3 on; "
            "committed by the salted hash, erased with the rest."
        ),
    )
    salt = models.CharField(_("salt"), max_length=64, blank=True, help_text=_("Erased together with the data."))
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data of a declaration")
        verbose_name_plural = _("personal data of declarations")

    def __str__(self) -> str:
        return self.signatory_name or str(_("(erased)"))


class PersonalDataErasure(models.Model):
    """Append-only, keyed evidence that the personal data of one declaration was erased on purpose.

    ``mac`` is an HMAC-SHA-256 (chain key ``key_id``) over the declaration's sequence and record
    hash and ``erased_at``, so an insider cannot fake an erasure (``hashing.erasure_mac``).
    """

    declaration = models.OneToOneField(
        Declaration,
        verbose_name=_("declaration"),
        on_delete=models.PROTECT,
        related_name="erasure",
        primary_key=True,
    )
    erased_at = models.DateTimeField(_("erased at"))
    key_id = models.CharField(_("chain key id"), max_length=40)
    mac = models.CharField(_("keyed hash"), max_length=64)

    class Meta:
        verbose_name = _("erasure of personal data")
        verbose_name_plural = _("erasures of personal data")

    def __str__(self) -> str:
        return f"erasure of {self.declaration_id} at {self.erased_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Erasure records cannot be changed."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Erasure records cannot be deleted."))


class Checkpoint(models.Model):
    """A signed statement of the head of the declaration chain at one moment (append-only).

    Written at least every ``DECLARATION_CHECKPOINT_EVERY`` records and every hour, signed with
    the Ed25519 checkpoint key, linked to the previous checkpoint and copied to write-once storage
    under ``checkpoints/``. ``next_due`` is the sequence by which the next checkpoint must exist.
    """

    number = models.PositiveBigIntegerField(_("checkpoint number"), unique=True, editable=False)
    sequence = models.PositiveBigIntegerField(_("head sequence"), db_index=True)
    record_hash = models.CharField(_("head record hash"), max_length=64)
    record_count = models.PositiveBigIntegerField(_("number of records"))
    chain_key_id = models.CharField(_("chain key id of the head"), max_length=40)
    created_at = models.DateTimeField(_("created at"))
    next_due = models.PositiveBigIntegerField(_("next checkpoint due at sequence"))
    reason = models.CharField(_("reason"), max_length=20, choices=CheckpointReason.choices)
    previous_hash = models.CharField(_("hash of the previous checkpoint"), max_length=64)
    signing_key_id = models.CharField(_("signing key id"), max_length=40)
    signature = models.CharField(_("Ed25519 signature (base64)"), max_length=100)
    format = models.PositiveSmallIntegerField(
        _("checkpoint format"),
        default=CHECKPOINT_FORMAT_CURRENT,
        db_default=CHECKPOINT_FORMAT_1,  # the checkpoints written before formats were named
        help_text=_("Format 2 also signs the head of the audit trail."),
    )
    audit_sequence = models.PositiveBigIntegerField(_("audit trail head sequence"), null=True, blank=True)
    audit_hash = models.CharField(_("audit trail head hash"), max_length=64, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"checkpoint {self.number} (#{self.sequence})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Checkpoints cannot be changed."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Checkpoints cannot be deleted."))


class CheckpointTimestamp(models.Model):
    """The RFC 3161 timestamp token of one checkpoint (append-only; added once, never changed).

    ``token`` is the DER ``TimeStampToken`` a time-stamping authority signed over the checkpoint's
    digest (``checkpoints.checkpoint_digest``); ``gen_time`` is the time it states. A separate table,
    so that the checkpoint row itself is never updated (``declarations/timestamps.py``).
    """

    # No foreign-key constraint: both tables are append-only and verification pairs them by number
    # (a constraint would only change the error an owner's TRUNCATE of checkpoints meets).
    checkpoint = models.OneToOneField(
        Checkpoint,
        verbose_name=_("checkpoint"),
        on_delete=models.DO_NOTHING,
        related_name="timestamp",
        db_constraint=False,
    )
    tsa_url = models.CharField(_("time-stamping authority"), max_length=300)
    token = models.BinaryField(_("RFC 3161 timestamp token (DER)"))
    gen_time = models.DateTimeField(_("time stated by the authority"))
    created_at = models.DateTimeField(_("stored at"), default=timezone.now)

    class Meta:
        verbose_name = _("checkpoint timestamp")
        verbose_name_plural = _("checkpoint timestamps")

    def __str__(self) -> str:
        return f"timestamp of checkpoint {self.checkpoint_id} at {self.gen_time:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Checkpoint timestamps cannot be changed."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Checkpoint timestamps cannot be deleted."))


class CheckpointCopy(LeasedJob):
    """The writing of one checkpoint's write-once storage copy, as a leased job (``core.jobs``).

    The checkpoint row itself is append-only and never updated, so the job lives here: one worker
    writes the copy at a time, an attempt whose worker died is taken over once its lease runs out,
    and a copy that cannot be written after ``job_max_attempts`` attempts is failed and shown to
    staff on ``/staff/jobs/``.
    """

    checkpoint = models.OneToOneField(
        Checkpoint,
        verbose_name=_("checkpoint"),
        on_delete=models.DO_NOTHING,
        related_name="copy_job",
        db_constraint=False,  # as CheckpointTimestamp: the checkpoint table is append-only
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    #: The task's own retries (6 deliveries).
    job_max_attempts = 6

    class Meta:
        verbose_name = _("checkpoint copy")
        verbose_name_plural = _("checkpoint copies")

    def __str__(self) -> str:
        return f"copy of checkpoint {self.checkpoint_id}"


class Receipt(LeasedJob):
    """The PDF receipt of one declaration, rendered by the worker.

    A leased job (``core.jobs``) so that exactly one worker renders it, even when its task is
    delivered twice. It has no status of its own for rendering: a receipt being rendered is a
    pending one under a live lease (what users see does not change while it renders).
    """

    declaration = models.OneToOneField(
        Declaration, verbose_name=_("declaration"), on_delete=models.PROTECT, related_name="receipt"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.PENDING, db_index=True
    )
    file_name = models.CharField(_("stored file"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True, db_index=True)
    pages = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    size_bytes = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, default="nl")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    sealed_at = models.DateTimeField(
        _("sealed at"),
        null=True,
        blank=True,
        help_text=_("When the PDF was signed with the portal's seal (PAdES); empty: not sealed."),
    )

    job_statuses = JobStatuses(
        pending=ReceiptStatus.PENDING,
        running=ReceiptStatus.PENDING,
        retrying=ReceiptStatus.PENDING,
        done=ReceiptStatus.DONE,
        failed=ReceiptStatus.FAILED,
    )
    #: The task's own retries (7 deliveries) and a few re-queues by beat or a redelivery.
    job_max_attempts = 10

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self) -> str:
        return f"receipt of {self.declaration_id}"


class SupersededReceiptFile(models.Model):
    """A receipt PDF the portal issued whose stored file was lost and made again (one row per lost file).

    A re-rendered receipt is sealed anew, so its bytes (and SHA-256) differ from the file the company
    downloaded before. That earlier file stays what the portal issued: ``/verify/`` recognises it by
    the SHA-256 kept here (``receipt_check``), next to the current ``Receipt.sha256``. Written by
    ``receipt_files.receipt_file_lost`` with its audit event; never changed or deleted.
    """

    receipt = models.ForeignKey(
        Receipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="superseded_files"
    )
    sha256 = models.CharField(_("SHA-256 of the issued PDF"), max_length=64, db_index=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    lost_at = models.DateTimeField(_("found missing at"), default=timezone.now)
    found_by = models.CharField(
        _("found by"), max_length=20, help_text=_("What noticed the missing file: a download, staff, or repair_files.")
    )

    class Meta:
        verbose_name = _("superseded receipt file")
        verbose_name_plural = _("superseded receipt files")
        constraints = [models.UniqueConstraint(fields=["receipt", "sha256"], name="unique_superseded_receipt_file")]

    def __str__(self) -> str:
        return f"receipt {self.receipt_id} file {self.sha256[:12]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Superseded receipt files cannot be changed."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Superseded receipt files cannot be deleted."))
