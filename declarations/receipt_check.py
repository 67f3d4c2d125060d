"""Public verification of a receipt (``/verify/``): reference + code, or the receipt PDF itself.

The answer says only what the receipt says (reference, decision, organisation name at signing,
text version, date) plus what the register adds: whether the record is still the current
declaration of its subject (from the chain: no later record for it) and which signed checkpoint
anchors it. Facts of the text row (kind, OECD edition) are shown only when the row verifies
against its publication event (``verification.text_verified``). A wrong reference and a
wrong code get exactly the same answer, so the page cannot be used to find out which references
exist. Every lookup is audited without personal data (no IP address, no user).
"""

import io
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from audit.services import audit_event_record

from .checkpoints import checkpoint_covering
from .keys import current_chain_key_id
from .models import Checkpoint, Declaration
from .references import (
    CODE_FIND_RE,
    REFERENCE_FIND_RE,
    code_normalise,
    reference_normalise,
    verification_code_matches,
)
from .selectors import declaration_is_latest
from .subjects import Undertaking, other_kind_of_text, subject_of, subject_type_get, undertaking_of
from .verification import text_verified

logger = logging.getLogger("imvo.security")

#: PDF metadata keys the receipt carries (``receipt_pdf.html``), read back on upload.
PDF_META_REFERENCE = "/imvoreference"  # WeasyPrint keeps only the letters of the meta name
PDF_META_CODE = "/imvoverificationcode"
PDF_MAGIC = b"%PDF-"
PDF_TEXT_PAGES = 3  # the reference and code are on page 1; never parse a long document


class UnreadableReceipt(ValueError):
    """The upload is not a receipt of this portal (no PDF, too large, no reference and code in it)."""


@dataclass(frozen=True)
class ReceiptCheck:
    """What ``/verify/`` shows about one receipt that matched."""

    declaration: Declaration
    undertaking: Undertaking
    subject_label: str
    is_current: bool  # from the chain: no later record for its subject (never the pointer alone)
    checkpoint: Checkpoint | None
    text_verified: bool = False  # the text row is what was published: only then are its facts shown

    @property
    def signed_with_other_kind_of_text(self) -> bool:
        return other_kind_of_text(self.declaration, self.undertaking)

    @property
    def signed_at(self) -> datetime:
        return self.declaration.signed_at


def receipt_pdf_read(content: bytes) -> tuple[str, str]:
    """The (reference, code) in an uploaded receipt PDF: from its metadata, else from its text.

    Raises ``UnreadableReceipt`` for anything that is not a readable PDF of at most
    ``VERIFY_RECEIPT_MAX_BYTES`` holding both.
    """
    if len(content) > settings.VERIFY_RECEIPT_MAX_BYTES or not content.startswith(PDF_MAGIC):
        raise UnreadableReceipt()
    from pypdf import PdfReader  # only this page parses PDFs; keep web start-up light
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        meta = reader.metadata or {}
        reference = reference_normalise(str(meta.get(PDF_META_REFERENCE, "") or ""))
        code = code_normalise(str(meta.get(PDF_META_CODE, "") or ""))
        if not (reference and code):
            text = "\n".join((page.extract_text() or "") for page in reader.pages[:PDF_TEXT_PAGES])
            found_reference = REFERENCE_FIND_RE.search(text)
            found_code = CODE_FIND_RE.search(text)
            reference = reference_normalise(found_reference.group(0)) if found_reference else ""
            code = code_normalise(found_code.group(0)) if found_code else ""
    except (PyPdfError, RecursionError):
        raise UnreadableReceipt() from None
    except Exception:  # noqa: BLE001  an uploaded file is hostile input: any parser failure means "unreadable"
        logger.info("declaration.verify: unreadable PDF upload", exc_info=True)
        raise UnreadableReceipt() from None
    if not (reference and code):
        raise UnreadableReceipt()
    return reference, code


def receipt_check(*, reference: str, code: str, method: str) -> ReceiptCheck | None:
    """The record with this reference if ``code`` is its verification code, else None. Audited."""
    normalised = reference_normalise(reference)
    declaration = (
        Declaration.objects.select_related("text").filter(reference=normalised).first() if normalised else None
    )
    # A missing record costs the same keyed hash as a wrong code.
    probe = declaration or Declaration(
        reference="IMVO-0000-000000", record_hash="0" * 64, key_id=current_chain_key_id()
    )
    matches = verification_code_matches(probe, code) and declaration is not None
    audit_event_record(
        action="declaration.verify",
        obj=declaration if matches else None,
        organisation_id=declaration.organisation_id if matches else None,
        details={"method": method, "outcome": "match" if matches else "no_match"},  # no IP, no user
    )
    outcome = "match" if matches else "no_match"
    logger.info(
        "declaration.verify", extra={"security": {"event": "declaration.verify", "method": method, "outcome": outcome}}
    )
    if not matches:
        return None
    subject = subject_of(declaration)
    return ReceiptCheck(
        declaration=declaration,
        undertaking=undertaking_of(declaration, subject),
        subject_label=subject_type_get(declaration.subject_type).label(),
        is_current=subject is not None and declaration_is_latest(declaration),
        checkpoint=checkpoint_covering(sequence=declaration.sequence),
        text_verified=text_verified(declaration.text),
    )
