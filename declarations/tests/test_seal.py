"""PAdES-sealed receipts (declarations/seal.py): signed by the seal, timestamped, any change detected."""

import hashlib
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage

from declarations.constants import ReceiptStatus
from declarations.models import Receipt
from declarations.seal import receipt_seal, receipt_seal_validate
from declarations.services import receipt_render
from declarations.timestamps import TimestampUnavailable

from .chain_tools import sign

pytestmark = pytest.mark.django_db

PYHANKO = str(Path(sys.executable).parent / "pyhanko")


def _rendered() -> tuple[Receipt, bytes]:
    receipt = Receipt.objects.get(declaration=sign())
    assert receipt_render(receipt_id=receipt.pk) is True
    receipt.refresh_from_db()
    with default_storage.open(receipt.file_name, "rb") as handle:
        return receipt, handle.read()


def _cli_validate(path: Path, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYHANKO, "sign", "validate", "--no-revocation-check", "--trust-replace", "--trust", str(root), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    out = BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(out)
    return out.getvalue()


def _overprinted(content: bytes) -> bytes:
    """The signed receipt with an incremental update that prints another decision over page 1."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(content))
    stream = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 700 Td (Besluit Onderschreven) Tj ET")
    )
    writer.add_stream_to_page(0, stream)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.tsa
def test_the_receipt_is_sealed_with_a_timestamp_and_validates_with_pyhanko(tsa, tmp_path):
    receipt, content = _rendered()
    # The stored SHA-256 is that of the sealed file, the one the portal hands out.
    assert receipt.sha256 == hashlib.sha256(content).hexdigest()
    assert receipt.size_bytes == len(content) and receipt.sealed_at is not None
    check = receipt_seal_validate(content)
    assert check.valid and check.unmodified, check.problem
    assert "IMVO TEST Receipt Seal" in check.signer
    assert check.timestamp_time is not None and check.signing_time is not None
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    cli = _cli_validate(path, tsa.pki.root_cert)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "INTACT" in cli.stdout and "TRUSTED" in cli.stdout and "UNTOUCHED" in cli.stdout


@pytest.mark.tsa
def test_an_edited_copy_does_not_validate(tsa, tmp_path):
    _receipt, content = _rendered()
    # A changed byte inside the signed range (the decision is in there somewhere).
    edited = bytearray(content)
    position = content.index(b"/Producer") if b"/Producer" in content else len(content) // 3
    edited[position + 2] ^= 0x20
    edited = bytes(edited)
    assert not receipt_seal_validate(edited).valid
    (tmp_path / "edited.pdf").write_bytes(edited)
    assert _cli_validate(tmp_path / "edited.pdf", tsa.pki.root_cert).returncode != 0
    # An incremental update that overprints the decision: the old signature still covers its
    # revision, but the file is no longer what was sealed.
    overprinted = _overprinted(content)
    check = receipt_seal_validate(overprinted)
    assert not check.valid and not check.unmodified
    (tmp_path / "overprinted.pdf").write_bytes(overprinted)
    assert _cli_validate(tmp_path / "overprinted.pdf", tsa.pki.root_cert).returncode != 0


@pytest.mark.tsa
def test_a_seal_from_another_pki_is_not_trusted_and_never_stored(settings, tsa, tmp_path, monkeypatch):
    from declarations import seal
    from declarations.pki import evidence_pki_ensure

    stranger = evidence_pki_ensure(tmp_path / "another-pki")  # same names, other keys
    settings.DECLARATION_SEAL_CERT, settings.DECLARATION_SEAL_KEY = str(stranger.seal_cert), str(stranger.seal_key)
    settings.DECLARATION_SEAL_CHAIN = [str(stranger.root_cert)]
    # The render refuses to store such a seal: the receipt stays pending, with nothing stored.
    receipt = Receipt.objects.get(declaration=sign())
    with pytest.raises(seal.SealInvalid, match="trusted"):
        receipt_render(receipt_id=receipt.pk)
    receipt.refresh_from_db()
    assert (receipt.status, receipt.sha256, receipt.file_name) == (ReceiptStatus.PENDING, "", "")
    # Such a file, made without that check, does not validate.
    monkeypatch.setattr(seal, "_checked", lambda sealed: sealed)
    forged = receipt_seal(_blank_pdf())
    check = receipt_seal_validate(forged)
    assert not check.valid and "trusted" in check.problem


def test_no_tsa_reachable_leaves_the_receipt_pending_and_unstored(tsa_down):
    receipt = Receipt.objects.get(declaration=sign())
    with pytest.raises(TimestampUnavailable):
        receipt_render(receipt_id=receipt.pk)
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.PENDING and receipt.file_name == "" and receipt.sha256 == ""
    assert receipt.sealed_at is None
    assert not default_storage.exists(f"private/receipts/declaration-{receipt.declaration_id}-")


def test_the_render_task_retries_a_tsa_outage_later(tsa_down):
    from celery.exceptions import Retry

    from declarations.tasks import receipt_render as task

    receipt = Receipt.objects.get(declaration=sign())
    with pytest.raises(Retry) as raised:
        task.apply(args=[receipt.pk], throw=True)
    assert isinstance(raised.value.exc, TimestampUnavailable)
    receipt.refresh_from_db()
    assert (receipt.status, receipt.sha256, receipt.sealed_at) == (ReceiptStatus.PENDING, "", None)


def test_the_demo_without_a_tsa_seals_without_a_timestamp(settings):
    settings.DECLARATION_TSA_URL = []
    _receipt, content = _rendered()
    check = receipt_seal_validate(content)
    assert check.valid and check.timestamp_time is None


def test_production_refuses_to_seal_without_a_seal_or_a_tsa(settings, tsa_down):
    settings.EVIDENCE_TEST_PKI = False
    with pytest.raises(ImproperlyConfigured):
        receipt_seal(b"%PDF-1.7")
    settings.EVIDENCE_TEST_PKI = True
    settings.DECLARATION_TSA_URL = []
    pki_files = __import__("declarations.seal", fromlist=["seal_files"]).seal_files()
    settings.EVIDENCE_TEST_PKI = False
    settings.DECLARATION_SEAL_CERT, settings.DECLARATION_SEAL_KEY = pki_files.cert, pki_files.key
    with pytest.raises(ImproperlyConfigured, match="DECLARATION_TSA_URL"):
        receipt_seal(b"%PDF-1.7")


def test_an_unsealed_or_foreign_pdf_is_not_valid():
    assert not receipt_seal_validate(b"not a pdf").valid
    check = receipt_seal_validate(_blank_pdf())
    assert not check.valid and check.problem == "the PDF carries no seal"
