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
- a missing or bad checkpoint (``checkpoints_check``, the one rule): a bad signature, a gap in the
  numbering (numbers are never re-issued) or links, no checkpoint at all (not even the genesis), a
  copy in storage whose row is gone, a row whose storage copy is missing or differs (a failure, not
  a warning, once the copy task has had ``COPY_GRACE``), or a checkpoint that was due and is absent
  (``checkpoint_*``);
- with ``since`` (an earlier verification bundle): that the register extends what that bundle
  showed, every checkpoint and record unchanged (``since_*``, ``bundle_extension_problems``).
- a missing, invalid, back-dated or late RFC 3161 timestamp of a checkpoint (``timestamp_*``,
  ``timestamps.timestamps_verify``).

- the audit trail's keyed chain (``audit/verification.py``): changed, deleted, forged or back-dated
  events, changed or deleted personal parts, erasures without their event (``audit_*``), named by
  event id; checkpoints of format 2 anchor its head;
- each published text against its publication event and its body's hash, and against every record
  that names it (``text_changed``, ``text_missing``, ``text_unattested``), named by text id;
- each subject's ``current_declaration`` pointer against the chain: it must name the subject's
  latest record (``pointer_moved``), through the subject protocol;
- an erased signatory's personal data without the erasure's audit event (``erasure_unaudited``).


Not protected here: the newest checkpoint(s) and the records after the one before them, removed
together with their storage copies by someone who may delete those copies (local storage; not
with S3 object lock). The number is then issued again and nothing left in the database or the
storage shows it; only a copy kept outside the operator's reach does (an earlier bundle checked
with ``since``, a mirrored ``/verify/checkpoints/`` feed, an RFC 3161 timestamp held elsewhere).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from audit.chain import event_hash
from audit.models import AuditEvent
from audit.verification import AuditAnchor, AuditVerification, audit_verify
from tools.verify_bundle import bundle_extension_problems

from .bundle import BUNDLE_FORMAT, bundle_checkpoints, bundle_records
from .checkpoints import (
    checkpoint_copies_read,
    checkpoint_digest,
    checkpoint_payload,
    checkpoint_signature_valid,
    checkpoint_storage_name,
)
from .constants import CHECKPOINT_COPY_GRACE, GENESIS_HASH, RECORD_FORMAT_2, RECORD_FORMAT_LEGACY, CheckpointReason
from .hashing import (
    FORMAT_FIELDS,
    UnknownKey,
    commits_explanation_personally,
    erasure_mac,
    personal_hash,
    record_hash,
    utc_text,
)
from .keys import LEGACY_KEY_ID, chain_keys, checkpoint_public_keys
from .models import Checkpoint, Declaration, DeclarationText, text_sha256
from .restores import lost_copies_read, lost_records_of
from .subjects import Undertaking, subject_type_get, subject_types, text_for
from .timestamps import timestamps_verify

#: The subject types format 1 records name by their columns (the keys ``missions`` and
#: ``instruments`` register; fixed here because format 1 is closed).
LEGACY_REGISTRATION_SUBJECT = "mission_registration"
LEGACY_APPLICATION_SUBJECT = "instrument_application"

MAX_PROBLEMS = 200
TEXT_PUBLISH_ACTION = "declaration_text.publish"
TEXT_OBJECT_TYPE = "declarations.declarationtext"
ERASE_EVENT = ("declaration.personal_data_erase", "declarations.declaration")
NO_PUBLICATION_EVENT = "has no publication event in the audit trail"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    sequence: int | None = None
    checkpoint: int | None = None
    event: int | None = None  # an audit event's id
    text: int | None = None  # a declaration text's id

    def __str__(self) -> str:
        if self.event is not None:
            where = f"Audit event {self.event}"
        elif self.text is not None:
            where = f"Declaration text {self.text}"
        elif self.sequence is not None:
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


@dataclass(frozen=True)
class RestoreSummary:
    """A restore checkpoint and what the restore lost: checkpoints (copies only) and records by reference."""

    checkpoint: int
    restored_to: int
    restored_at: datetime
    lost_checkpoints: tuple[int, ...]
    lost_references: tuple[str, ...]
    lost_unnamed: int

    def __str__(self) -> str:
        lost = (
            f"checkpoint(s) {self.lost_checkpoints[0]}-{self.lost_checkpoints[-1]} lost (kept in storage)"
            if self.lost_checkpoints
            else "no checkpoint lost"
        )
        records = f"{len(self.lost_references)} record(s) lost: {', '.join(self.lost_references) or 'none'}"
        if self.lost_unnamed:
            records += f"; {self.lost_unnamed} more that the copies do not name"
        return (
            f"restored to checkpoint {self.restored_to} at {self.restored_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(restore checkpoint {self.checkpoint}): {lost}; {records}"
        )


@dataclass
class VerificationResult:
    checked: int = 0
    head_sequence: int | None = None
    checkpoints_verified: int = 0
    latest_checkpoint: CheckpointSummary | None = None
    unanchored: int = 0
    audit_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False
    #: The RFC 3161 state of the checkpoints, one line (``timestamps.timestamps_verify``).
    timestamps: str = ""
    #: Recorded restores (``restores.py``): what each lost, reported instead of "deleted".
    restores: list["RestoreSummary"] = field(default_factory=list)

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

    def add(
        self,
        code: str,
        message: str,
        *,
        sequence: int | None = None,
        checkpoint: int | None = None,
        event: int | None = None,
        text: int | None = None,
    ) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.truncated = True
            return
        self.problems.append(Problem(code, message, sequence, checkpoint, event, text))


@dataclass(frozen=True)
class _Anchor:
    number: int
    sequence: int
    record_hash: str
    record_count: int


#: How long after a checkpoint was written its storage copy may still be missing: the copy is written
#: by a task right after the commit. Later a missing copy is a failure (deleted, or never written).
COPY_GRACE = CHECKPOINT_COPY_GRACE


def _checkpoints(result: VerificationResult) -> list[Checkpoint]:
    """Check the table against the storage copies; return every checkpoint with a valid signature."""
    copies, unreadable = checkpoint_copies_read()
    return checkpoints_check(
        result,
        rows=list(Checkpoint.objects.order_by("number")),
        copies=copies,
        unreadable=unreadable,
        public_keys=checkpoint_public_keys(),
        now=timezone.now(),
    )


def checkpoints_check(result: VerificationResult, *, rows, copies, unreadable, public_keys, now) -> list[Checkpoint]:
    """The one rule for checkpoints, over the table's ``rows`` and the storage ``copies`` (name, checkpoint).

    Failures: a bad signature; a copy that is not a checkpoint or is stored under another number's
    name; a number held by the table and a copy with different payloads (re-issued or rewritten);
    a copy whose row is gone (deleted); a row without its copy once ``COPY_GRACE`` has passed; a
    number missing from both (a gap; numbers are never re-issued, so every number from the first
    must be there); a checkpoint that does not link to the one before it; no checkpoint at all
    (every chain starts with its genesis, number 0; a chain from before genesis checkpoints starts
    at 1). Returns the validly signed checkpoints in number order (both versions when a number's
    row and copy differ, so records are held against each).
    """
    valid_rows: dict[int, Checkpoint] = {}
    rows_by_number: dict[int, Checkpoint] = {}
    for row in rows:
        rows_by_number[row.number] = row
        if checkpoint_signature_valid(row, public_keys):
            valid_rows[row.number] = row
        else:
            reason = "signed with an unknown key" if row.signing_key_id not in public_keys else "bad signature"
            result.add("checkpoint_bad_signature", reason, checkpoint=row.number)
    for name in unreadable:
        result.add("checkpoint_copy_unreadable", f"storage copy {name} is not a checkpoint")
    valid_copies: dict[int, Checkpoint] = {}
    for name, copy in copies:
        if name != checkpoint_storage_name(copy.number):
            result.add("checkpoint_copy_misnamed", f"storage copy {name} holds another number", checkpoint=copy.number)
        elif not checkpoint_signature_valid(copy, public_keys):
            result.add("checkpoint_bad_signature", f"storage copy {name} has a bad signature", checkpoint=copy.number)
        else:
            valid_copies[copy.number] = copy
    links, lost = _restore_links(result, valid_rows, valid_copies, rows_by_number)
    valid: list[Checkpoint] = []
    for number in sorted(set(rows_by_number) | set(valid_copies)):
        row, copy = rows_by_number.get(number), valid_copies.get(number)
        name = checkpoint_storage_name(number)
        if number in lost:
            continue  # lost in a recorded restore: reported there, held against nothing
        if row is None:
            result.add(
                "checkpoint_missing", f"exists in storage ({name}) but not in the database: deleted", checkpoint=number
            )
        elif copy is None and row.created_at <= now - COPY_GRACE:  # younger: its copy task may not have run yet
            result.add(
                "checkpoint_copy_missing",
                f"its write-once storage copy {name} is lost (deleted, or never written); it is not written again: "
                "restore it from the media backup",
                checkpoint=number,
            )
        elif copy is not None and (checkpoint_payload(row), row.signature) != (
            checkpoint_payload(copy),
            copy.signature,
        ):
            result.add(
                "checkpoint_copy_differs",
                f"the database row differs from its storage copy {name} (number re-issued or rewritten)",
                checkpoint=number,
            )
        row = valid_rows.get(number)
        if row is not None:
            valid.append(row)
        if copy is not None and (row is None or checkpoint_payload(row) != checkpoint_payload(copy)):
            valid.append(copy)
    _checkpoints_sequence(result, rows_by_number, valid_copies, links)
    if not valid:
        result.add(
            "checkpoint_none",
            "no valid checkpoint at all: every chain starts with a signed genesis checkpoint "
            "(a new installation writes it with `manage.py checkpoint_declarations`)",
        )
    result.checkpoints_verified = len({c.number for c in valid})
    return valid


def _restore_links(result, valid_rows, valid_copies, rows_by_number) -> tuple[dict[int, Checkpoint], set[int]]:
    """The validly signed ``restore`` checkpoints, each with the checkpoint it links to, and the numbers lost.

    A restore checkpoint links to the checkpoint the database was restored to; the numbers between
    them that only storage holds were lost by that restore (``restores.py``). Adds a summary per
    restore to ``result.restores``, naming the lost records by reference from the copies' annexes.
    """
    everything = {**valid_copies, **valid_rows}
    links: dict[int, Checkpoint] = {}
    lost: set[int] = set()
    if not any(checkpoint.reason == CheckpointReason.RESTORE for checkpoint in everything.values()):
        return links, lost
    by_digest = {checkpoint_digest(checkpoint): checkpoint for checkpoint in everything.values()}
    for number, checkpoint in sorted(everything.items()):
        if checkpoint.reason != CheckpointReason.RESTORE:
            continue
        target = by_digest.get(checkpoint.previous_hash)
        if target is None or target.number >= number:
            continue  # reported by the link check
        links[number] = target
        numbers = [n for n in range(target.number + 1, number) if n in valid_copies and n not in rows_by_number]
        lost.update(numbers)
        copies = [c for c in lost_copies_read(above=target.number) if c.number in numbers] if numbers else []
        records, unnamed, _highest = lost_records_of(copies)
        result.restores.append(
            RestoreSummary(
                checkpoint=number,
                restored_to=target.number,
                restored_at=checkpoint.created_at,
                lost_checkpoints=tuple(numbers),
                lost_references=tuple(record[1] for record in records),
                lost_unnamed=unnamed,
            )
        )
    return links, lost


def _checkpoints_sequence(result, rows: dict[int, Checkpoint], copies: dict[int, Checkpoint], links=None) -> None:
    """Every number from the first (0, or 1 before genesis checkpoints) to the last, each linked to the one before
    (a ``restore`` checkpoint to the checkpoint restored to, ``links``)."""
    links = links or {}
    numbers = sorted(set(rows) | set(copies))
    if not numbers:
        return
    expected = 0 if numbers[0] == 0 else 1
    previous: Checkpoint | None = None
    for number in numbers:
        current = rows.get(number) or copies[number]
        if number != expected:
            missing = f"{expected}" if number == expected + 1 else f"{expected}-{number - 1}"
            result.add(
                "checkpoint_gap", f"checkpoint(s) {missing} missing from the database and storage", checkpoint=expected
            )
        elif previous is None and current.previous_hash != GENESIS_HASH:
            result.add("checkpoint_link", "the first checkpoint does not start the chain", checkpoint=number)
        elif (
            previous is not None
            and current.previous_hash != checkpoint_digest(previous)
            and not (number in links and current.previous_hash == checkpoint_digest(links[number]))
        ):
            result.add("checkpoint_link", "does not link to the previous checkpoint", checkpoint=number)
        if number == 0 and (current.sequence, current.record_count, current.record_hash) != (0, 0, GENESIS_HASH):
            result.add("checkpoint_link", "checkpoint 0 is not a genesis (it names records)", checkpoint=number)
        previous, expected = current, number + 1


def declarations_verify(*, since: dict | None = None) -> VerificationResult:
    """Verify the whole evidence log; the result names every record or checkpoint that fails.

    ``since``: an earlier verification bundle (parsed JSON) that the register must extend.
    """
    result = VerificationResult()
    if since is not None:
        _since(result, since)
    keys = chain_keys()
    checkpoints = _checkpoints(result)
    timestamps_verify(result, checkpoints)
    anchors: dict[int, list[_Anchor]] = {}
    for cp in checkpoints:
        anchors.setdefault(cp.sequence, []).append(_Anchor(cp.number, cp.sequence, cp.record_hash, cp.record_count))
    anchored_up_to = max(anchors, default=0)
    audit = _audit(result, checkpoints)
    latest: dict[tuple[str, int], Declaration] = {}
    named: dict[int, list[int]] = {}  # text id -> sequences of the records signed on it

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
        latest[(declaration.subject_type, declaration.subject_id)] = declaration
        named.setdefault(declaration.text_id, []).append(seq)
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
        _check_personal(result, declaration, audit)
        previous_hash = declaration.record_hash
        expected = seq + 1
        if seq > anchored_up_to and first_unanchored_at is None:
            first_unanchored_at = declaration.signed_at
    result.checked = present
    _check_texts(result, texts, named, audit)
    _check_pointers(result, latest)
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
    else:  # reported as ``checkpoint_none``
        result.unanchored = head
    if first_unanchored_at is not None and first_unanchored_at < timezone.now() - timedelta(hours=2):
        result.warnings.append(
            f"Records after #{anchored_up_to} have waited over two hours for a checkpoint: is beat running?"
        )
    return result


def _since(result: VerificationResult, old: dict) -> None:
    """The register extends an older bundle: its checkpoints and records are all here, unchanged."""
    if old.get("format") != BUNDLE_FORMAT:
        result.add("since_format", f"the older bundle is not a verification bundle ({old.get('format')!r})")
        return
    for kind, at, message in bundle_extension_problems(old, bundle_checkpoints(), bundle_records()):
        at = at if isinstance(at, int) else None
        if kind == "record":
            result.add("since_record", message, sequence=at)
        else:
            result.add("since_checkpoint", message, checkpoint=at)


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
        result.add(
            "text_missing", f"declaration text {declaration.text_id}, which it was signed on, is gone", sequence=seq
        )
        return
    if (text.sha256, text.version, text.language) != (
        declaration.text_sha256,
        declaration.text_version,
        declaration.text_language,
    ) or text_sha256(text.body) != text.sha256:
        result.add("text_mismatch", f"declaration text {text.pk}, which it was signed on, has changed", sequence=seq)
        return
    if declaration.format_version >= RECORD_FORMAT_2:
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


def _check_personal(result, declaration, audit: AuditVerification) -> None:
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
            explanation=(personal.explanation if commits_explanation_personally(declaration.format_version) else None),
        )
        uncommitted = personal.explanation and not commits_explanation_personally(declaration.format_version)
        if recomputed != declaration.personal_hash or uncommitted:
            result.add("personal_mismatch", "personal data do not match their salted hash", sequence=seq)
        return
    if (*ERASE_EVENT, str(declaration.pk)) not in audit.attested:
        result.add("erasure_unaudited", "personal data erased without the erasure's audit event", sequence=seq)
    if erasure is None:
        result.add("erasure_forged", "marked erased without a valid erasure record", sequence=seq)
    elif erasure.erased_at != personal.erased_at:
        result.add("erasure_forged", "erasure time differs from the erasure record", sequence=seq)
    if any(
        (personal.signatory_name, personal.signatory_position, personal.user_agent, personal.salt, personal.ip_address)
    ):
        result.add("personal_mismatch", "marked erased but still holds personal data", sequence=seq)


def _audit(result: VerificationResult, checkpoints: list[Checkpoint]) -> AuditVerification:
    """Verify the audit trail against the audit heads the valid checkpoints signed; add its problems."""
    anchors = [
        AuditAnchor(cp.number, cp.audit_sequence, cp.audit_hash) for cp in checkpoints if cp.audit_sequence is not None
    ]
    audit = audit_verify(anchors=anchors)
    for problem in audit.problems:
        result.add(problem.code, problem.message, event=problem.event_id)
    result.audit_checked = audit.checked
    return audit


def text_attestation_problems(text: DeclarationText, attested: list[dict]) -> list[str]:
    """What is wrong with a text row, judged by its body and its publication event(s) (one rule for
    ``verify_declarations`` and ``/verify/``). Empty when the row is what was published."""
    problems = []
    if text_sha256(text.body) != text.sha256:
        problems.append("its body does not match its SHA-256")
    if not attested:
        if text.is_published:
            problems.append(NO_PUBLICATION_EVENT)
        return problems
    details = attested[0]
    row = {
        "kind": text.kind,
        "version": text.version,
        "language": text.language,
        "sha256": text.sha256,
        "oecd_edition": text.oecd_edition,
        "published_at": utc_text(text.published_at) if text.published_at else None,
    }
    changed = sorted(name for name, value in row.items() if name in details and details[name] != value)
    if changed:
        problems.append(f"differs from its publication event in {', '.join(changed)}")
    return problems


def _check_texts(result: VerificationResult, texts: dict, named: dict, audit: AuditVerification) -> None:
    published = {
        int(object_id): details
        for (action, object_type, object_id), details in audit.attested.items()
        if action == TEXT_PUBLISH_ACTION and object_type == TEXT_OBJECT_TYPE and object_id.isdigit()
    }
    for text_id in sorted(set(texts) | set(named) | set(published)):
        records = named.get(text_id, [])
        names = f" (records {', '.join(f'#{n}' for n in records[:20])}{' ...' if len(records) > 20 else ''})"
        text = texts.get(text_id)
        if text is None:
            result.add("text_missing", "the text row was deleted" + (names if records else ""), text=text_id)
            continue
        if not text.is_published and not records and text_id not in published:
            continue  # a draft: editable
        for problem in text_attestation_problems(text, published.get(text_id, [])):
            code = "text_unattested" if problem == NO_PUBLICATION_EVENT else "text_changed"
            result.add(code, problem + (names if records else ""), text=text_id)
        if not text.is_published:
            result.add("text_changed", "signed or published, yet marked as a draft" + names, text=text_id)


def text_verified(text: DeclarationText) -> bool:
    """Whether ``text`` is the text as published, with a publication event that verifies (for pages)."""
    events = AuditEvent.objects.filter(
        action=TEXT_PUBLISH_ACTION, object_type=TEXT_OBJECT_TYPE, object_id=str(text.pk), sequence__isnull=False
    )
    attested = [e.details for e in events if event_hash(e) == e.record_hash and isinstance(e.details, dict)]
    return bool(attested) and not text_attestation_problems(text, attested)


def _check_pointers(result: VerificationResult, latest: dict[tuple[str, int], Declaration]) -> None:
    """Each subject's ``current_declaration`` must name its latest record (``declaration_record`` sets it)."""
    for subject_type in subject_types():
        pointers = subject_type.current_declaration_pointers()
        ids = {subject_id for (key, subject_id) in latest if key == subject_type.key} | set(pointers)
        unset = [i for i in ids if i not in pointers]
        existing = set(subject_type_get(subject_type.key).load(unset)) if unset else set()
        for subject_id in sorted(ids):
            record = latest.get((subject_type.key, subject_id))
            pointer = pointers.get(subject_id)
            if pointer is None and subject_id not in existing:
                continue  # the subject is gone (its records stay)
            if record is None or pointer != record.pk:
                expected = f"record #{record.sequence}" if record else "no record"
                result.add(
                    "pointer_moved",
                    f"{subject_type.key} {subject_id}: current_declaration is {pointer or 'empty'}, "
                    f"the chain says {expected}",
                    sequence=record.sequence if record else None,
                )
