"""Public verification of a receipt (``/verify/``): reference + code, or the receipt PDF itself.

An uploaded file is shown as "in the register" only when it is byte for byte the receipt the
portal issued (its SHA-256 equals ``Receipt.sha256``, or that of an issued file that was lost
from storage and made again, ``SupersededReceiptFile``). Any other file (a hand-made PDF with a
real record's metadata, the real receipt with an incremental update painted over it) is "not the
receipt the portal issued", with the register's facts about the record it names, if its
reference and code match one. Uploads are read only in the sandbox (``receipt_sandbox``).

The answer says only what the receipt says (reference, decision, organisation name at signing,
text version, date) plus what the register adds: whether the record is still the current
declaration of its subject (from the chain: no later record for it) and which signed checkpoint
anchors it. Facts of the text row (kind, OECD edition) are shown only when the row verifies
against its publication event (``verification.text_verified``). A wrong reference and a
wrong code get exactly the same answer, so the page cannot be used to find out which references
exist. Every lookup is audited without personal data (no IP address, no user).
"""

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from audit.services import audit_event_record

from .checkpoints import checkpoint_covering
from .constants import ReceiptStatus
from .keys import current_chain_key_id
from .models import Checkpoint, Declaration, Receipt, SupersededReceiptFile
from .receipt_sandbox import (
    META_CODE,
    META_REFERENCE,
    SandboxRefused,
    SandboxUnreadable,
    metadata_read,
    parse_slot,
)
from .references import code_normalise, reference_normalise, verification_code_matches
from .seal import receipt_seal_validate
from .selectors import declaration_is_latest
from .subjects import Undertaking, other_kind_of_text, subject_of, subject_type_get, undertaking_of
from .verification import text_verified

logger = logging.getLogger("imvo.security")

#: PDF metadata keys the receipt carries (``receipt_pdf.html``), read back on upload.
PDF_META_REFERENCE = META_REFERENCE
PDF_META_CODE = META_CODE
PDF_MAGIC = b"%PDF-"


class UnreadableReceipt(ValueError):
    """The upload is not a receipt of this portal (no PDF, too large, no reference and code in it)."""


class ReceiptTooCostly(ValueError):
    """Reading the upload exceeded the sandbox's CPU, memory or time limit."""


@dataclass(frozen=True)
class ReceiptCheck:
    """What ``/verify/`` shows about one record whose reference and code matched.

    ``file_is_issued_receipt`` says what an uploaded file is: True when its SHA-256 equals the
    SHA-256 of the receipt the portal issued for this record (the only case shown as "in the
    register"), False when it differs (the page then shows the register's facts about the record,
    never as a confirmation of the file), None when no file was uploaded (reference and code typed).
    """

    declaration: Declaration
    undertaking: Undertaking
    subject_label: str
    is_current: bool  # from the chain: no later record for its subject (never the pointer alone)
    checkpoint: Checkpoint | None
    file_is_issued_receipt: bool | None = None
    #: The result of ``receipt_seal_validate(content)`` (PAdES seal) for an uploaded file that is the
    #: issued receipt, shown in the "seal" row of ``verify.html``; None for any other lookup.
    seal: object | None = None
    text_verified: bool = False  # the text row is what was published: only then are its facts shown

    @property
    def signed_with_other_kind_of_text(self) -> bool:
        return other_kind_of_text(self.declaration, self.undertaking)

    @property
    def signed_at(self) -> datetime:
        return self.declaration.signed_at

    @property
    def confirms_the_file_or_code(self) -> bool:
        """The green "this declaration is in the register" answer: code typed, or the file is the issued one."""
        return self.file_is_issued_receipt is not False


def receipt_metadata_read(content: bytes) -> tuple[str, str]:
    """The (reference, code) in an uploaded PDF's document information, read in the sandbox.

    Never reads content streams (the page text) or the XMP stream. Raises ``UnreadableReceipt``
    for anything that is not a PDF of at most ``VERIFY_RECEIPT_MAX_BYTES`` holding both,
    ``ReceiptTooCostly`` when a sandbox limit was hit, and ``SandboxBusy`` when every parse slot
    of this node is taken.
    """
    if len(content) > settings.VERIFY_RECEIPT_MAX_BYTES or not content.startswith(PDF_MAGIC):
        raise UnreadableReceipt()
    try:
        with parse_slot(folder=settings.VERIFY_SANDBOX_SLOT_DIR, slots=settings.VERIFY_SANDBOX_SLOTS):
            found = metadata_read(
                content,
                cpu_seconds=settings.VERIFY_SANDBOX_CPU_SECONDS,
                memory_bytes=settings.VERIFY_SANDBOX_MEMORY_MB * 1024 * 1024,
                wall_seconds=settings.VERIFY_SANDBOX_WALL_SECONDS,
            )
    except SandboxUnreadable:
        raise UnreadableReceipt() from None
    except SandboxRefused as refused:
        logger.info("declaration.verify: upload refused by the sandbox (%s)", refused)
        raise ReceiptTooCostly() from None
    reference, code = reference_normalise(found["reference"]), code_normalise(found["code"])
    if not (reference and code):
        raise UnreadableReceipt()
    return reference, code


def _issued_receipt_of(content: bytes) -> Receipt | None:
    """The receipt the portal issued with exactly these bytes, if any (hashing is cheap; no parsing)."""
    digest = hashlib.sha256(content).hexdigest()
    issued = (
        Receipt.objects.select_related("declaration__text")
        .filter(sha256=digest, status=ReceiptStatus.DONE)
        .exclude(sha256="")
        .first()
    )
    if issued is None:
        # A file issued before its stored copy was lost and the receipt made again (``receipt_files``).
        superseded = (
            SupersededReceiptFile.objects.select_related("receipt__declaration__text").filter(sha256=digest).first()
        )
        issued = superseded.receipt if superseded is not None else None
    return issued


def receipt_upload_check(content: bytes) -> ReceiptCheck | None:
    """What ``/verify/`` says about an uploaded file. Audited like every lookup.

    The file is "in the register" only when its SHA-256 equals that of a receipt the portal issued.
    Otherwise the reference and code in its document information (read in the sandbox, see
    ``receipt_metadata_read`` for what it raises) find the record, which is then shown with
    ``file_is_issued_receipt=False``; without a matching record the answer is None.
    """
    return receipt_upload_read(content)[0]


def receipt_upload_read(content: bytes) -> tuple[ReceiptCheck | None, str, str]:
    """``receipt_upload_check``, with the reference and code the file carries ("" when the file is
    the issued receipt itself): without a record, ``/verify/`` asks the recorded restores for them."""
    issued = _issued_receipt_of(content)
    if issued is not None:
        _audited(declaration=issued.declaration, method="pdf", outcome="match")
        # Byte for byte the file the portal issued, so safe to parse here: its PAdES seal says who
        # sealed it and when, as any PDF reader will. Any other file is never parsed beyond the
        # sandbox's metadata (its seal, if any, is not the issued receipt's).
        check = _check_of(issued.declaration, file_is_issued_receipt=True)
        if issued.sealed_at is None and not issued.superseded_files.exists():
            return check, "", ""  # issued before receipts were sealed (the earlier format): no seal to show
        return dataclasses.replace(check, seal=receipt_seal_validate(content)), "", ""
    reference, code = receipt_metadata_read(content)
    declaration = _declaration_matching(reference=reference, code=code)
    _audited(declaration=declaration, method="pdf", outcome="not_issued_file" if declaration else "no_match")
    return (_check_of(declaration, file_is_issued_receipt=False) if declaration else None), reference, code


def _declaration_matching(*, reference: str, code: str) -> Declaration | None:
    """The record with this reference if ``code`` is its verification code. A missing record
    costs the same keyed hash as a wrong code."""
    normalised = reference_normalise(reference)
    declaration = (
        Declaration.objects.select_related("text").filter(reference=normalised).first() if normalised else None
    )
    probe = declaration or Declaration(
        reference="IMVO-0000-000000", record_hash="0" * 64, key_id=current_chain_key_id()
    )
    return declaration if verification_code_matches(probe, code) and declaration is not None else None


def _audited(*, declaration: Declaration | None, method: str, outcome: str) -> None:
    audit_event_record(
        action="declaration.verify",
        obj=declaration,
        organisation_id=declaration.organisation_id if declaration else None,
        details={"method": method, "outcome": outcome},  # no IP, no user
    )
    logger.info(
        "declaration.verify", extra={"security": {"event": "declaration.verify", "method": method, "outcome": outcome}}
    )


def _check_of(declaration: Declaration, *, file_is_issued_receipt: bool | None) -> ReceiptCheck:
    subject = subject_of(declaration)
    return ReceiptCheck(
        declaration=declaration,
        undertaking=undertaking_of(declaration, subject),
        subject_label=subject_type_get(declaration.subject_type).label(),
        is_current=subject is not None and declaration_is_latest(declaration),
        checkpoint=checkpoint_covering(sequence=declaration.sequence),
        file_is_issued_receipt=file_is_issued_receipt,
        text_verified=text_verified(declaration.text),
    )


def receipt_record_hash_check(*, record_hash: str) -> ReceiptCheck | None:
    """The record with this record hash, else None. Audited.

    For receipts of the release before references existed: they carry no reference or code, but
    print the record hash (and were issued unsealed; their upload matches ``Receipt.sha256``). A
    record hash is a keyed 256-bit value printed only on the receipt, so it cannot be guessed.
    """
    declaration = Declaration.objects.select_related("text").filter(record_hash=record_hash).first()
    _audited(declaration=declaration, method="record_hash", outcome="match" if declaration else "no_match")
    return _check_of(declaration, file_is_issued_receipt=None) if declaration else None


def receipt_check(*, reference: str, code: str, method: str) -> ReceiptCheck | None:
    """The record with this reference if ``code`` is its verification code, else None. Audited."""
    declaration = _declaration_matching(reference=reference, code=code)
    _audited(declaration=declaration, method=method, outcome="match" if declaration else "no_match")
    return _check_of(declaration, file_is_issued_receipt=None) if declaration else None
