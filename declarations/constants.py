from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class Decision(models.TextChoices):
    ENDORSED = "endorsed", _("Endorsed")
    NOT_ENDORSED = "not_endorsed", _("Not endorsed yet")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReceiptStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class CheckpointReason(models.TextChoices):
    INTERVAL = "interval", _("Every N records")
    HOURLY = "hourly", _("Hourly")
    LEGACY = "legacy", _("Anchors records written before the chain was keyed")
    MANUAL = "manual", _("Written by an operator")
    GENESIS = "genesis", _("Start of the chain, before its first record")
    BUNDLE = "bundle", _("Before a verification bundle was exported")
    RESTORE = "restore", _("After the database was restored from a backup (links to the checkpoint restored to)")


#: The audit event of a database restore (``restores.py``); the restore checkpoint's copy repeats its details.
RESTORE_ACTION = "declaration_chain.restore"

OECD_EDITION = "2023"
GENESIS_HASH = "0" * 64


class TextKind(models.TextChoices):
    """The kinds of undertaking a declaration text is written for: each has its own versioned text."""

    MISSION = "mission", _("Innovation mission")
    SUBSIDY = "subsidy", _("Subsidy")
    FINANCE = "finance", _("Loan, guarantee or credit")
    TAX = "tax", _("Tax scheme")
    NETWORK = "network", _("Knowledge network or programme")


#: Where a text names its undertaking ("bij de aanvraag voor de subsidie {undertaking}").
UNDERTAKING_PLACEHOLDER = "{undertaking}"

#: Record formats (``hashing.py``): 1 = records written before formats were named (subject as
#: foreign-key columns, fields added later hashed only when set); 2 = every field always hashed,
#: the subject as (type, id, snapshot), the kind of text and the hash of the text as shown;
#: 3 = format 2 without free text in the record: the explanation a person typed (not endorsed,
#: withdrawal reason) is in the erasable personal part, committed by the salted ``personal_hash``.
RECORD_FORMAT_LEGACY = 1
RECORD_FORMAT_2 = 2
RECORD_FORMAT_3 = 3
RECORD_FORMAT_CURRENT = RECORD_FORMAT_3

#: Checkpoint payloads: format 1 signs the declaration chain's head; format 2 also the audit
#: trail's head (``audit/chain.py``). Both stay verifiable.
CHECKPOINT_FORMAT_1 = 1
CHECKPOINT_FORMAT_CURRENT = 2

#: How long after a checkpoint was written its write-once storage copy may still be written (by the
#: copy task after commit, or beat's safety net). Later a missing copy is lost: ``verify_declarations``
#: reports it and nothing writes it again (a rebuilt copy would hide that it was deleted).
CHECKPOINT_COPY_GRACE = timedelta(minutes=10)
