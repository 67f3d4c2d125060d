"""Receipts of the release before references existed verify on /verify/: by upload or by record hash.

The earlier receipt is kept as a fixture: ``fixtures/receipt_pdf_before_references.html`` is the
receipt template of that release (commit 0de9212, before 9d506b0 added references and codes), a
PDF with the record number and hashes, no reference, no verification code, no metadata, no seal.
"""

import hashlib
import io
import re
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import engines
from django.utils import timezone

from audit.models import AuditEvent
from core.pdf import render_pdf
from declarations.constants import ReceiptStatus
from declarations.hashing import record_hash
from declarations.models import Declaration, Receipt
from declarations.receipt_check import UnreadableReceipt, receipt_metadata_read

from .chain_tools import as_format_1, sign, tamper

pytestmark = pytest.mark.django_db

OLD_TEMPLATE = Path(__file__).resolve().parent / "fixtures" / "receipt_pdf_before_references.html"


def _result(html: str) -> str:
    match = re.search(r'<section id="verify-result".*?</section>', html, re.S)
    return match.group(0) if match else ""


def _old_receipt() -> tuple[Declaration, bytes]:
    """A record as the release before references wrote it (format 1, no reference) with its receipt."""
    record = as_format_1(sign())
    record.reference = ""
    tamper(
        "UPDATE declarations_declaration SET reference = '', record_hash = %s WHERE id = %s",
        [record_hash(record), record.pk],
    )
    record = Declaration.objects.select_related("text", "personal").get(pk=record.pk)
    source = OLD_TEMPLATE.read_text()
    context = {
        "declaration": record,
        "personal": record.personal,
        "mission": record.undertaking,
        "text": record.text,
    }
    with mock.patch("core.pdf.render_to_string", lambda _name, ctx: engines["django"].from_string(source).render(ctx)):
        content = render_pdf("declarations/receipt_pdf.html", context, language="nl").content
    name = default_storage.save(f"private/receipts/declaration-{record.pk}-old.pdf", ContentFile(content))
    # As that release stored it: the SHA-256 of the file, unsealed.
    Receipt.objects.filter(declaration=record).update(
        status=ReceiptStatus.DONE,
        file_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        rendered_at=timezone.now(),
        sealed_at=None,
    )
    return record, content


def test_the_fixture_is_a_receipt_of_the_earlier_format():
    record, content = _old_receipt()
    assert record.reference == "" and record.format_version == 1
    assert content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert record.record_hash in text.replace("\n", "") and "IMVO-" not in text
    with pytest.raises(UnreadableReceipt):  # no reference and code in its metadata: that path cannot read it
        receipt_metadata_read(content)


def test_an_old_receipt_uploaded_is_recognised_by_its_content_and_shows_its_record(client):
    record, content = _old_receipt()
    client.cookies["django_language"] = "en"
    response = client.post("/verify/", {"receipt": SimpleUploadedFile("bewijs.pdf", content)})
    answer = _result(response.content.decode())
    assert response.status_code == 200
    assert 'data-verdict="issued-receipt"' in answer and "This declaration is in the register" in answer
    assert record.organisation_name in answer and record.record_hash in answer
    assert "none (a receipt from before references existed)" in answer
    assert 'data-field="seal"' not in answer  # issued before seals: no "not valid" seal row


def test_an_old_receipt_is_found_by_the_record_hash_printed_on_it(client):
    record, _content = _old_receipt()
    client.cookies["django_language"] = "en"
    spaced = " ".join(re.findall(".{16}", record.record_hash.upper()))  # as copied from a PDF, in pieces
    response = client.post("/verify/", {"record_hash": spaced})
    answer = _result(response.content.decode())
    assert "This declaration is in the register" in answer and record.organisation_name in answer
    assert AuditEvent.objects.filter(action="declaration.verify", details__method="record_hash").count() == 1

    response = client.post("/verify/", {"record_hash": "0" * 64})
    assert "No declaration has this record hash" in _result(response.content.decode())
    response = client.post("/verify/", {"record_hash": "not a hash"})
    assert "A record hash has 64 characters" in response.content.decode()


def test_a_record_hash_lookup_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    record, _content = _old_receipt()
    with django_assert_max_num_queries(10):
        response = client.post("/verify/", {"record_hash": record.record_hash})
    assert record.organisation_name in _result(response.content.decode())


def test_a_record_hash_lookup_counts_against_the_verify_rate_limit(client, settings):
    record, _content = _old_receipt()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verify": "1/m"}
    assert client.post("/verify/", {"record_hash": record.record_hash}).status_code == 200
    assert client.post("/verify/", {"record_hash": record.record_hash}).status_code == 429
