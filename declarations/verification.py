"""Verification of the declaration evidence: chain, keys, checkpoints, personal data and erasures.

``declarations_verify`` reads every record in sequence order and every checkpoint (from the table
and from the write-once storage copies) and names each record or checkpoint that does not verify:

- a changed field, a forged record (an unkeyed or wrongly keyed hash) or a re-hashed record:
  the keyed record hash does not match (``hash_mismatch``), or the key is unknown (``unknown_key``);
- a removed, inserted or reordered record: a sequence gap (``sequence_gap``) or a broken link
  (``link_broken``);
- removed last records: a valid checkpoint names a head that is gone (``records_missing``);
- a re-hashed suffix by someone holding the chain key: the record a checkpoint names no longer
  has the signed hash (``checkpoint_mismatch``);
- forged personal data or erasure marks: the salted hash does not match (``personal_mismatch``),
  an erasure mark without a valid keyed erasure record (``erasure_forged``), and so on;
- a subject copy that disagrees with the hashed subject columns of a format 1 record
  (``subject_mismatch``), a text row that changed or vanished under its records
  (``text_mismatch``, ``text_missing``), an unknown record format (``unknown_format``);
- a missing or bad checkpoint: a bad signature, a gap in the numbering or links, a copy in storage
  whose row is gone, or a checkpoint that was due and is absent (``checkpoint_*``);
- a missing, invalid, back-dated or late RFC 3161 timestamp of a checkpoint (``timestamp_*``,
  ``timestamps.timestamps_verify``).

Not protected: records appended after the latest checkpoint (fewer than
``DECLARATION_CHECKPOINT_EVERY`` and about an hour's worth) can be removed from the end of the chain
by someone with the owner's database rights without detection, until the next checkpoint.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .checkpoints import checkpoint_copies_read, checkpoint_digest, checkpoint_payload, checkpoint_signature_valid
from .constants import GENESIS_HASH, RECORD_FORMAT_CURRENT, RECORD_FORMAT_LEGACY
from .hashing import FORMAT_FIELDS, UnknownKey, erasure_mac, personal_hash, record_hash
from .keys import LEGACY_KEY_ID, chain_keys, checkpoint_public_keys
from .models import Checkpoint, Declaration, DeclarationText, text_sha256
from .subjects import Undertaking, text_for
from .timestamps import timestamps_verify

#: The subject types format 1 records name by their columns (the keys ``missions`` and
#: ``instruments`` register; fixed here because format 1 is closed).
LEGACY_REGISTRATION_SUBJECT = "mission_registration"
LEGACY_APPLICATION_SUBJECT = "instrument_application"

MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    sequence: int | None = None
    checkpoint: int | None = None

    def __str__(self) -> str:
        if self.sequence is not None:
            where = f"Declaration #{self.sequence}"
        elif self.checkpoint is not None:
            where = f"Checkpoint {self.checkpoint}"
        else:
            where = "Chain"
        return f"{where}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class CheckpointSummary:
    number: int
    sequence: int
    created_at: datetime


@dataclass
class VerificationResult:
    checked: int = 0
    head_sequence: int | None = None
    checkpoints_verified: int = 0
    latest_checkpoint: CheckpointSummary | None = None
    unanchored: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False
    #: The RFC 3161 state of the checkpoints, one line (``timestamps.timestamps_verify``).
    timestamps: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def broken_sequence(self) -> int | None:
        """The first record named by a problem (None when all is well or only checkpoints are wrong)."""
        return next((p.sequence for p in self.problems if p.sequence is not None), None)

    @property
    def problem(self) -> str:
        return self.problems[0].message if self.problems else ""

    def add(self, code: str, message: str, *, sequence: int | None = None, checkpoint: int | None = None) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.truncated = True
            return
        self.problems.append(Problem(code, message, sequence, checkpoint))


@dataclass(frozen=True)
class _Anchor:
    number: int
    sequence: int
    record_hash: str
    record_count: int


def _checkpoints(result: VerificationResult) -> list[Checkpoint]:
    """Check the table and the storage copies; return every checkpoint with a valid signature."""
    public_keys = checkpoint_public_keys()
    valid: dict[int, Checkpoint] = {}
    previous: Checkpoint | None = None
    expected = 1
    rows = list(Checkpoint.objects.order_by("number"))
    for row in rows:
        if row.number != expected:
            missing = f"{expected}" if row.number == expected + 1 else f"{expected}-{row.number - 1}"
            result.add("checkpoint_gap", f"checkpoint(s) {missing} missing from the database", checkpoint=expected)
        elif previous is not None and row.previous_hash != checkpoint_digest(previous):
            result.add("checkpoint_link", "does not link to the previous checkpoint", checkpoint=row.number)
        elif previous is None and row.previous_hash != GENESIS_HASH:
            result.add("checkpoint_link", "the first checkpoint does not start the chain", checkpoint=row.number)
        if not checkpoint_signature_valid(row, public_keys):
            reason = "signed with an unknown key" if row.signing_key_id not in public_keys else "bad signature"
            result.add("checkpoint_bad_signature", reason, checkpoint=row.number)
        else:
            valid[row.number] = row
        previous, expected = row, row.number + 1
    by_number = {row.number: row for row in rows}
    copies, unreadable = checkpoint_copies_read()
    for name in unreadable:
        result.add("checkpoint_copy_unreadable", f"storage copy {name} is not a checkpoint")
    seen_copies = set()
    for name, copy in copies:
        seen_copies.add(copy.number)
        if not checkpoint_signature_valid(copy, public_keys):
            result.add("checkpoint_bad_signature", f"storage copy {name} has a bad signature", checkpoint=copy.number)
            continue
        row = by_number.get(copy.number)
        if row is None:
            result.add(
                "checkpoint_missing",
                f"exists in storage ({name}) but not in the database: it was deleted",
                checkpoint=copy.number,
            )
            valid.setdefault(copy.number, copy)
        elif (checkpoint_payload(row), row.signature) != (checkpoint_payload(copy), copy.signature):
            result.add("checkpoint_copy_differs", f"the database row differs from {name}", checkpoint=copy.number)
            valid.setdefault(copy.number, copy)
    for number in sorted(set(by_number) - seen_copies):
        result.warnings.append(f"Checkpoint {number} has no copy in storage yet (beat writes missing copies hourly).")
    result.checkpoints_verified = len(valid)
    return [valid[n] for n in sorted(valid)]


def declarations_verify() -> VerificationResult:
    """Verify the whole evidence log; the result names every record or checkpoint that fails."""
    result = VerificationResult()
    keys = chain_keys()
    checkpoints = _checkpoints(result)
    timestamps_verify(result, checkpoints)
    anchors: dict[int, list[_Anchor]] = {}
    for cp in checkpoints:
        anchors.setdefault(cp.sequence, []).append(_Anchor(cp.number, cp.sequence, cp.record_hash, cp.record_count))
    anchored_up_to = max(anchors, default=0)

    previous_hash = GENESIS_HASH
    expected = 1
    present = 0
    keyed_seen = False
    first_unanchored_at = None
    texts = DeclarationText.objects.in_bulk()
    records = Declaration.objects.select_related("personal", "erasure").order_by("sequence")
    for declaration in records.iterator(chunk_size=500):
        seq = declaration.sequence
        gap = seq != expected
        if gap:
            missing = f"#{expected}" if seq == expected + 1 else f"#{expected}-#{seq - 1}"
            result.add("sequence_gap", f"record(s) {missing} before it are missing", sequence=seq)
        elif declaration.previous_hash != previous_hash:
            result.add("link_broken", "previous_hash does not match the record before it", sequence=seq)
        _check_record(result, declaration, keys, keyed_seen=keyed_seen, anchored_up_to=anchored_up_to)
        _check_subject_and_text(result, declaration, texts)
        keyed_seen = keyed_seen or declaration.key_id != LEGACY_KEY_ID
        present += 1
        for anchor in anchors.get(seq, ()):
            if declaration.record_hash != anchor.record_hash:
                result.add(
                    "checkpoint_mismatch",
                    f"record hash differs from the one signed in checkpoint {anchor.number} (re-hashed)",
                    sequence=seq,
                    checkpoint=anchor.number,
                )
            if present != anchor.record_count:
                result.add(
                    "checkpoint_count",
                    f"{present} records up to here, checkpoint {anchor.number} signed {anchor.record_count}",
                    sequence=seq,
                    checkpoint=anchor.number,
                )
        _check_personal(result, declaration)
        previous_hash = declaration.record_hash
        expected = seq + 1
        if seq > anchored_up_to and first_unanchored_at is None:
            first_unanchored_at = declaration.signed_at
    result.checked = present
    head = expected - 1
    result.head_sequence = head or None

    for seq in sorted(anchors):
        for anchor in anchors[seq]:
            if seq > head:
                result.add(
                    "records_missing",
                    f"record(s) #{head + 1}-#{seq} covered by checkpoint {anchor.number} are missing (deleted)",
                    sequence=seq,
                    checkpoint=anchor.number,
                )
    if checkpoints:
        latest = checkpoints[-1]
        result.latest_checkpoint = CheckpointSummary(latest.number, latest.sequence, latest.created_at)
        result.unanchored = max(head - latest.sequence, 0)
        for before, after in zip(checkpoints, checkpoints[1:], strict=False):
            if after.number == before.number + 1 and after.sequence > before.next_due:
                result.add(
                    "checkpoint_overdue",
                    f"was due by record #{before.next_due}, the next one covers #{after.sequence}: one is missing",
                    checkpoint=before.number,
                )
        if head > latest.next_due:
            result.add(
                "checkpoint_overdue",
                f"the latest valid checkpoint covers #{latest.sequence}; one was due by #{latest.next_due}, "
                f"the chain is at #{head}: a checkpoint is missing",
                checkpoint=latest.number,
            )
    else:
        result.unanchored = head
        if head >= settings.DECLARATION_CHECKPOINT_EVERY:
            result.add("checkpoint_overdue", f"no valid checkpoint at all, the chain is at #{head}")
    if first_unanchored_at is not None and first_unanchored_at < timezone.now() - timedelta(hours=2):
        result.warnings.append(
            f"Records after #{anchored_up_to} have waited over two hours for a checkpoint: is beat running?"
        )
    return result


def _format_1_subject(declaration) -> tuple[str, int | None]:
    """The subject a format 1 record names in its hashed columns."""
    if declaration.legacy_registration_id is not None:
        return LEGACY_REGISTRATION_SUBJECT, declaration.legacy_registration_id
    return LEGACY_APPLICATION_SUBJECT, declaration.legacy_instrument_application_id


def _check_subject_and_text(result, declaration, texts: dict) -> None:
    """What the record's hash does not cover by itself: the subject copy (format 1) and the text row."""
    seq = declaration.sequence
    if declaration.format_version == RECORD_FORMAT_LEGACY and (
        declaration.subject_type,
        declaration.subject_id,
    ) != _format_1_subject(declaration):
        result.add("subject_mismatch", "its subject differs from the one its hash covers", sequence=seq)
    text = texts.get(declaration.text_id)
    if text is None:
        result.add("text_missing", "the declaration text it was signed on is gone", sequence=seq)
        return
    if (text.sha256, text.version, text.language) != (
        declaration.text_sha256,
        declaration.text_version,
        declaration.text_language,
    ) or text_sha256(text.body) != text.sha256:
        result.add("text_mismatch", "the declaration text it was signed on has changed", sequence=seq)
        return
    if declaration.format_version == RECORD_FORMAT_CURRENT:
        shown = text_for(text.body, Undertaking.from_snapshot(declaration.subject_snapshot), language=text.language)
        if text.kind != declaration.text_kind or text_sha256(shown) != declaration.signed_text_sha256:
            result.add("text_mismatch", "the text as shown differs from the one signed", sequence=seq)


def _check_record(result, declaration, keys, *, keyed_seen: bool, anchored_up_to: int) -> None:
    seq = declaration.sequence
    if declaration.format_version not in FORMAT_FIELDS:
        result.add("unknown_format", f"record format {declaration.format_version!r} is unknown", sequence=seq)
        return
    if declaration.key_id == LEGACY_KEY_ID:
        if keyed_seen or seq > anchored_up_to:
            result.add(
                "legacy_unanchored",
                "unkeyed (legacy) record hash where only keyed records may be: forged",
                sequence=seq,
            )
            return
    elif declaration.key_id not in keys:
        result.add("unknown_key", f"keyed with {declaration.key_id!r}, which is not configured", sequence=seq)
        return
    try:
        expected = record_hash(declaration)
    except UnknownKey:  # pragma: no cover - guarded above
        expected = ""
    if expected != declaration.record_hash:
        result.add(
            "hash_mismatch",
            "record_hash does not match the record (changed field, forged record or wrong key)",
            sequence=seq,
        )


def _check_personal(result, declaration) -> None:
    seq = declaration.sequence
    personal = getattr(declaration, "personal", None)
    erasure = getattr(declaration, "erasure", None)
    if erasure is not None:
        try:
            mac = erasure_mac(
                key_id=erasure.key_id,
                sequence=seq,
                record_hash=declaration.record_hash,
                erased_at=erasure.erased_at,
            )
        except UnknownKey:
            mac = ""
        if mac != erasure.mac:
            result.add("erasure_forged", "the erasure record does not verify (forged)", sequence=seq)
            erasure = None
    if personal is None:
        result.add("personal_missing", "its personal-data row is missing", sequence=seq)
        return
    if personal.erased_at is None:
        if erasure is not None:
            result.add("personal_restored", "erased, yet personal data are present again", sequence=seq)
        recomputed = personal_hash(
            salt=personal.salt,
            name=personal.signatory_name,
            position=personal.signatory_position,
            ip_address=personal.ip_address,
            user_agent=personal.user_agent,
        )
        if recomputed != declaration.personal_hash:
            result.add("personal_mismatch", "personal data do not match their salted hash", sequence=seq)
        return
    if erasure is None:
        result.add("erasure_forged", "marked erased without a valid erasure record", sequence=seq)
    elif erasure.erased_at != personal.erased_at:
        result.add("erasure_forged", "erasure time differs from the erasure record", sequence=seq)
    if any(
        (personal.signatory_name, personal.signatory_position, personal.user_agent, personal.salt, personal.ip_address)
    ):
        result.add("personal_mismatch", "marked erased but still holds personal data", sequence=seq)
