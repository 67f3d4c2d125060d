"""/verify/ with an uploaded file: green only for the receipt the portal issued; hostile files are
read in the sandbox and refused with a message; a busy node answers 503 at once."""

import re
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from declarations import receipt_check as receipt_check_module
from declarations.receipt_check import receipt_metadata_read
from declarations.receipt_sandbox import SandboxRefused, metadata_read, parse_slot
from declarations.references import verification_code
from declarations.services import receipt_render
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from tests.factories import member_of

from . import hostile_pdfs
from .chain_tools import sign

pytestmark = pytest.mark.django_db


def _result(html: str) -> str:
    match = re.search(r'<section id="verify-result".*?</section>', html, re.S)
    return match.group(0) if match else ""


def _receipt_pdf(declaration) -> bytes:
    receipt_render(receipt_id=declaration.receipt.pk)
    declaration.receipt.refresh_from_db()
    return default_storage.open(declaration.receipt.file_name).read()


def _not_endorsed():
    text = published_text()
    user = member_of()
    answer = endorse_answer(text, decision="not_endorsed", explanation="Wij onderzoeken de keten nog.")
    registration = draft_ready(mission=MissionFactory(), user=user, answer=answer)
    return registration_submit(registration=registration, actor=user).current_declaration


def _upload(client, content: bytes, **typed):
    client.cookies["django_language"] = "en"
    return client.post("/verify/", {"receipt": SimpleUploadedFile("r.pdf", content, "application/pdf"), **typed})


def test_the_receipt_the_portal_issued_is_green_without_being_parsed(client):
    declaration = sign()
    content = _receipt_pdf(declaration)
    with mock.patch.object(receipt_check_module, "metadata_read", side_effect=AssertionError("parsed")):
        response = _upload(client, content)
    answer = _result(response.content.decode())
    assert 'data-verdict="issued-receipt"' in answer and "This declaration is in the register" in answer
    assert declaration.reference in answer and "Identical to the receipt the portal issued" in answer
    # its PAdES seal (the TEST PKI here) is shown valid, as a PDF reader shows it
    assert re.search(r'data-field="seal">Valid: sealed by [^<]+ not changed since\.', answer), answer
    event = AuditEvent.objects.filter(action="declaration.verify").latest("pk")
    assert event.details == {"method": "pdf", "outcome": "match"}


def test_a_hand_made_pdf_with_a_not_endorsed_records_metadata_is_never_green(client):
    declaration = _not_endorsed()
    forged = hostile_pdfs.forged_receipt(
        reference=declaration.reference,
        code=verification_code(declaration),
        lines=["Ontvangstbewijs verklaring IMVO", f"Referentie {declaration.reference}", "Besluit Onderschreven"],
    )
    answer = _result(_upload(client, forged).content.decode())
    assert "alert-success" not in answer and "in the register" not in answer
    assert 'data-verdict="not-issued-receipt"' in answer
    assert "This file is not the receipt the portal issued" in answer
    # the register's own facts, said as such: not endorsed
    assert "What the register itself says about " + declaration.reference in answer
    assert 'data-field="decision">Not endorsed yet<' in answer
    event = AuditEvent.objects.filter(action="declaration.verify").latest("pk")
    assert event.details == {"method": "pdf", "outcome": "not_issued_file"}


def test_the_real_receipt_with_its_decision_overprinted_is_never_green(client):
    declaration = _not_endorsed()
    original = _receipt_pdf(declaration)
    edited = hostile_pdfs.overprinted(original, words="Besluit: Onderschreven")
    assert edited.startswith(original) and len(edited) > len(original)  # an incremental update
    answer = _result(_upload(client, edited).content.decode())
    assert "in the register" not in answer and "This file is not the receipt the portal issued" in answer
    assert 'data-field="decision">Not endorsed yet<' in answer
    # and a single changed byte (a trailing newline) is as different as an overprint
    assert "in the register" not in _result(_upload(client, original + b"\n").content.decode())
    assert "in the register" in _result(_upload(client, original).content.decode())


def test_a_file_naming_no_record_says_it_is_not_a_receipt_of_the_portal(client):
    sign()
    forged = hostile_pdfs.forged_receipt(reference="IMVO-2027-000001", code="ABCD-EFGH-JKMN", lines=["Onderschreven"])
    answer = _result(_upload(client, forged).content.decode())
    assert "This file is not a receipt the portal issued" in answer and "alert-success" not in answer


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "build",
    [
        hostile_pdfs.content_stream_bomb,
        hostile_pdfs.deep_nesting,
        hostile_pdfs.huge_xref,
        hostile_pdfs.metadata_decompression_bomb,
    ],
)
def test_hostile_pdfs_are_refused_with_a_message_and_the_typed_reference_is_kept(client, build):
    content = build()
    if build is hostile_pdfs.content_stream_bomb:
        assert len(content) < 40 * 1024  # the 37 KB bomb of the issue
    page = _upload(client, content, reference="IMVO-2027-000042").content.decode()
    assert not _result(page)
    assert "This file is not a receipt the portal issued." in page
    assert 'value="IMVO-2027-000042"' in page


def test_a_sandbox_limit_gives_a_clear_message(client, settings):
    settings.VERIFY_SANDBOX_WALL_SECONDS = 0.001  # no child can start, let alone parse, in a millisecond
    page = _upload(client, hostile_pdfs.content_stream_bomb(), code="ABCD-EFGH-JKMN").content.decode()
    assert "could not be read within the limits for an upload" in page and not _result(page)
    assert 'value="ABCD-EFGH-JKMN"' in page


def test_the_child_process_enforces_its_memory_and_time_limits():
    content = hostile_pdfs.forged_receipt(reference="IMVO-2027-000001", code="ABCD-EFGH-JKMN", lines=["x"])
    generous = {"cpu_seconds": 5, "memory_bytes": 512 * 1024 * 1024, "wall_seconds": 30}
    assert metadata_read(content, **generous) == {"reference": "IMVO-2027-000001", "code": "ABCD-EFGH-JKMN"}
    with pytest.raises(SandboxRefused):  # pypdf cannot even be imported in 8 MB of address space
        metadata_read(content, **{**generous, "memory_bytes": 8 * 1024 * 1024})
    with pytest.raises(SandboxRefused):
        metadata_read(content, **{**generous, "wall_seconds": 0.001})


def test_every_slot_taken_answers_busy_at_once_with_retry_after(client, settings, tmp_path):
    settings.VERIFY_SANDBOX_SLOT_DIR = str(tmp_path)
    settings.VERIFY_SANDBOX_SLOTS = 2
    forged = hostile_pdfs.forged_receipt(reference="IMVO-2027-000001", code="ABCD-EFGH-JKMN", lines=["x"])
    with parse_slot(folder=str(tmp_path), slots=2), parse_slot(folder=str(tmp_path), slots=2):
        response = _upload(client, forged, reference="IMVO-2027-000042")
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Many files are being checked right now" in page and 'value="IMVO-2027-000042"' in page
    # the slots are free again once their holders are done (also when a worker dies: the kernel drops the lock)
    assert receipt_metadata_read(forged) == ("IMVO-2027-000001", "ABCDEFGHJKMN")


def test_an_oversized_body_is_refused_before_it_is_read(client, settings):
    settings.VERIFY_RECEIPT_MAX_BYTES = 1024
    with mock.patch("declarations.views.VerifyForm.is_valid", side_effect=AssertionError("body read")):
        response = _upload(client, b"%PDF-1.7\n" + b"0" * 64 * 1024)
    assert response.status_code == 413 and "too large" in response.content.decode()
