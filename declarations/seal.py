"""The receipt seal: every receipt PDF is signed as PAdES B-T with the portal's seal certificate.

``receipt_seal`` signs the PDF WeasyPrint rendered (pyHanko, an incremental update) with
``DECLARATION_SEAL_CERT``/``_KEY`` and an RFC 3161 signature timestamp from the TSA of
``DECLARATION_TSA_URL`` (tried in order). Any PDF reader then shows "signed by …, not modified
since". No TSA answering is a ``TimestampUnavailable`` (transient: the render task retries later);
an unsigned receipt is never stored as if signed. With ``EVIDENCE_TEST_PKI`` (demo, tests) and no
seal configured, the TEST PKI's seal certificate signs, and without a TSA the seal is PAdES B-B.

``receipt_seal_validate`` checks a PDF against the configured trust roots (``DECLARATION_SEAL_ROOTS``,
or the TEST PKI's root): valid, signer, signing and timestamp time, and whether anything changed
after signing. The ``/verify/`` upload path uses it next to the SHA-256 of the issued receipt.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.aio import outside_event_loop, run_coroutine

from .timestamps import TimestampUnavailable, certificates_load, tsa_roots, tsa_urls

logger = logging.getLogger(__name__)

SEAL_FIELD = "IMVO-Receipt-Seal"


@dataclass(frozen=True)
class SealFiles:
    cert: str
    key: str
    chain: tuple[str, ...]
    passphrase: bytes | None


@dataclass(frozen=True)
class SealCheck:
    """What ``receipt_seal_validate`` found."""

    valid: bool
    signer: str = ""
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    #: True: the file is exactly what was signed (nothing added or changed after signing).
    unmodified: bool = False
    problem: str = ""


def seal_files() -> SealFiles:
    """The seal's certificate, key and chain; the TEST PKI's with ``EVIDENCE_TEST_PKI`` when unset."""
    if settings.DECLARATION_SEAL_CERT and settings.DECLARATION_SEAL_KEY:
        passphrase = settings.DECLARATION_SEAL_KEY_PASSPHRASE.encode() or None
        return SealFiles(
            settings.DECLARATION_SEAL_CERT,
            settings.DECLARATION_SEAL_KEY,
            tuple(settings.DECLARATION_SEAL_CHAIN),
            passphrase,
        )
    if settings.EVIDENCE_TEST_PKI:
        from .pki import evidence_pki_ensure

        pki = evidence_pki_ensure()
        return SealFiles(str(pki.seal_cert), str(pki.seal_key), (str(pki.root_cert),), None)
    raise ImproperlyConfigured("DECLARATION_SEAL_CERT and DECLARATION_SEAL_KEY are required to seal receipts.")


def seal_roots():
    """The roots a sealed receipt must chain to (the seal's and the TSA's)."""
    if settings.DECLARATION_SEAL_ROOTS:
        return certificates_load(settings.DECLARATION_SEAL_ROOTS) + tsa_roots()
    if settings.EVIDENCE_TEST_PKI:
        from .pki import evidence_pki_ensure

        return certificates_load([evidence_pki_ensure().root_cert])
    return tsa_roots()


def receipt_seal(content: bytes) -> bytes:
    """``content`` (a PDF) signed as PAdES B-T (B-B only without a TSA under ``EVIDENCE_TEST_PKI``).

    Raises ``TimestampUnavailable`` when TSAs are configured and none gives a timestamp (the task
    retries), and ``SealInvalid`` when the result does not validate against the configured roots
    (for example a TSA or seal certificate outside ``DECLARATION_TSA_ROOTS``/``_SEAL_ROOTS``).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    files = seal_files()
    signer = signers.SimpleSigner.load(
        files.key, files.cert, ca_chain_files=files.chain or None, key_passphrase=files.passphrase
    )
    if signer is None:
        raise ImproperlyConfigured("The receipt seal certificate or key could not be read.")
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="Ontvangstbewijs uitgegeven door het IMVO-portaal / receipt issued by the IMVO portal",
    )
    urls = tsa_urls()
    if not urls:
        if not settings.EVIDENCE_TEST_PKI:
            raise ImproperlyConfigured("DECLARATION_TSA_URL is required to seal receipts (PAdES B-T).")
        return _checked(_sign(IncrementalPdfFileWriter, signers, content, metadata, signer, None))
    errors = []
    for url in urls:
        stamper = HTTPTimeStamper(url, timeout=settings.DECLARATION_TSA_TIMEOUT)
        try:
            return _checked(_sign(IncrementalPdfFileWriter, signers, content, metadata, signer, stamper))
        except Exception as exc:  # the TSA is down or refused: try the next one
            if not _is_timestamp_error(exc):
                raise
            errors.append(f"{url}: {exc.__class__.__name__}")
    raise TimestampUnavailable("no TSA gave a signature timestamp: " + "; ".join(errors))


class SealInvalid(RuntimeError):
    """The sealed receipt does not validate against the configured roots (a configuration error)."""


def _checked(sealed: bytes) -> bytes:
    """``sealed`` if it validates as any reader will check it; never hand out a seal that does not."""
    check = receipt_seal_validate(sealed)
    if not check.valid:
        raise SealInvalid(f"the sealed receipt does not validate: {check.problem}")
    return sealed


def _is_timestamp_error(exc: BaseException) -> bool:
    from pyhanko.sign.timestamps import TimestampRequestError

    return isinstance(exc, TimestampRequestError | OSError | asyncio.TimeoutError)


def _sign(writer_class, signers, content, metadata, signer, stamper) -> bytes:
    def sign() -> bytes:
        writer = writer_class(BytesIO(content))
        out = BytesIO()
        signers.sign_pdf(writer, metadata, signer=signer, timestamper=stamper, output=out)
        return out.getvalue()

    return outside_event_loop(sign)


def receipt_seal_validate(content: bytes) -> SealCheck:
    """Validate the seal of a receipt PDF against the configured roots. Never raises for bad input."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # not a PDF, or one pyHanko cannot read
        return SealCheck(False, problem=f"unreadable PDF ({exc.__class__.__name__})")
    seals = [s for s in signatures if s.field_name == SEAL_FIELD] or list(signatures)
    if not seals:
        return SealCheck(False, problem="the PDF carries no seal")
    seal = seals[0]
    context = ValidationContext(trust_roots=seal_roots(), allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = run_coroutine(
            lambda: async_validate_pdf_signature(seal, signer_validation_context=context, ts_validation_context=context)
        )
    except Exception as exc:  # malformed signature dictionaries and the like
        return SealCheck(False, problem=f"the seal cannot be validated ({exc.__class__.__name__})")
    unmodified = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(signatures) == 1
    timestamp = status.timestamp_validity
    problem = ""
    if not status.intact or not status.valid:
        problem = "the seal's signature does not match the document"
    elif not status.trusted:
        problem = "the seal is not from a trusted certificate"
    elif not status.bottom_line:
        problem = "the document was changed after it was sealed"
    elif not unmodified:
        problem = "something was added to the document after it was sealed"
    return SealCheck(
        valid=not problem,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signing_time=status.signer_reported_dt,
        timestamp_time=timestamp.timestamp if timestamp is not None and timestamp.valid else None,
        unmodified=unmodified,
        problem=problem,
    )
