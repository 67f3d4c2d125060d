"""References (IMVO-YYYY-NNNNNN) and verification codes of declaration records, and the receipt PDF."""

import io
import re
from datetime import UTC, datetime
from functools import partial

import pytest
import time_machine
from django.core.files.storage import default_storage
from pypdf import PdfReader

from declarations.hashing import record_data, record_hash
from declarations.models import Declaration
from declarations.receipt_check import PDF_META_CODE, PDF_META_REFERENCE
from declarations.references import (
    CODE_ALPHABET,
    code_normalise,
    reference_next,
    reference_normalise,
    verification_code,
    verification_code_matches,
)
from declarations.services import declarations_verify, receipt_render
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from tests.factories import member_of
from tests.races import run_concurrently

from .chain_tools import sign

pytestmark = pytest.mark.django_db


def test_references_count_up_per_year_of_signing_in_amsterdam_time():
    text = published_text()
    with time_machine.travel(datetime(2027, 12, 31, 22, 30, tzinfo=UTC), tick=False):  # 23:30 in Amsterdam
        first, second = sign(text), sign(text)
    with time_machine.travel(datetime(2027, 12, 31, 23, 30, tzinfo=UTC), tick=False):  # 00:30, 1 January 2028
        third = sign(text)
    assert [first.reference, second.reference, third.reference] == [
        "IMVO-2027-000001",
        "IMVO-2027-000002",
        "IMVO-2028-000001",
    ]
    assert declarations_verify().ok


def test_the_reference_is_part_of_the_hashed_record():
    declaration = sign()
    assert record_data(declaration)["reference"] == declaration.reference
    changed = Declaration.objects.get(pk=declaration.pk)
    changed.reference = "IMVO-2027-999999"
    assert record_hash(changed) != declaration.record_hash
    changed.reference = ""  # format 2 hashes every field, empty or not
    assert record_data(changed)["reference"] == "" and record_hash(changed) != declaration.record_hash
    changed.format_version = 1  # a format 1 record written before references hashes without the field
    assert "reference" not in record_data(changed) and record_hash(changed) != declaration.record_hash


def test_reference_next_and_normalising():
    signed = datetime(2027, 6, 1, tzinfo=UTC)
    assert reference_next(signed_at=signed, last_reference=None) == "IMVO-2027-000001"
    assert reference_next(signed_at=signed, last_reference="IMVO-2027-000041") == "IMVO-2027-000042"
    assert reference_next(signed_at=signed, last_reference="IMVO-2026-000999") == "IMVO-2027-000001"
    assert reference_normalise(" imvo 2027 123 ") == "IMVO-2027-000123"
    assert reference_normalise("IMVO-2027-000123") == "IMVO-2027-000123"
    assert reference_normalise("IMVO-27-1") == "" and reference_normalise("DROP TABLE") == ""


def test_the_verification_code_is_random_looking_grouped_unambiguous_and_stored_nowhere():
    text = published_text()
    records = [sign(text) for _ in range(5)]
    codes = [verification_code(d) for d in records]
    assert len(set(codes)) == 5
    for code in codes:
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
        assert set(code.replace("-", "")) <= set(CODE_ALPHABET) and not set("01IO") & set(code)
    # 12 characters of a 32-character alphabet: 60 bits
    assert len(CODE_ALPHABET) == 32 and len(set(CODE_ALPHABET)) == 32
    # not in any column of the record (only the key, outside the database, can make it)
    for declaration, code in zip(records, codes, strict=True):
        row = Declaration.objects.filter(pk=declaration.pk).values().get()
        values = " ".join(str(v) for v in row.values())
        assert code not in values and code.replace("-", "") not in values


def test_the_code_is_checked_as_typed_and_only_for_its_own_record(settings):
    text = published_text()
    one, other = sign(text), sign(text)
    code = verification_code(one)
    assert verification_code_matches(one, code)
    assert verification_code_matches(one, code.lower().replace("-", " "))
    assert not verification_code_matches(other, code)
    assert not verification_code_matches(one, code[:-1] + ("2" if code[-1] != "2" else "3"))
    assert not verification_code_matches(one, "") and not verification_code_matches(one, "x" * 500)
    assert code_normalise("abcd efgh jkmn") == "ABCDEFGHJKMN" and code_normalise("ABCD-EFGH-JKM0") == ""
    # a record without a reference (written before references) has no code
    legacy = Declaration(reference="", record_hash=one.record_hash, key_id=one.key_id)
    assert verification_code(legacy) == "" and not verification_code_matches(legacy, code)


def _receipt_pdf(declaration) -> bytes:
    receipt_render(receipt_id=declaration.receipt.pk)
    declaration.receipt.refresh_from_db()
    return default_storage.open(declaration.receipt.file_name).read()


def test_the_receipt_carries_reference_code_amsterdam_time_and_unbroken_hashes():
    with time_machine.travel(datetime(2027, 3, 15, 21, 35, 57, tzinfo=UTC), tick=False):
        declaration = sign()
    content = _receipt_pdf(declaration)
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    lines = text.splitlines()
    assert declaration.reference in text and verification_code(declaration) in text
    assert "22:35:57" in text and "Nederlandse tijd" in text  # Amsterdam (CET) time, in Dutch
    assert "2027-03-15T21:35:57Z" in text  # the UTC instant, in the technical details
    for value in (declaration.record_hash, declaration.previous_hash, declaration.text_sha256):
        assert value in lines  # each hash on one line of its own, never broken
    assert reader.metadata[PDF_META_REFERENCE] == declaration.reference
    assert reader.metadata[PDF_META_CODE] == verification_code(declaration)
    assert "/verify/" in text


def test_the_receipt_follows_the_signatorys_language():
    text = published_text(language="en")
    user = member_of(user__language="en")
    registration = draft_ready(mission=MissionFactory(), user=user, answer=endorse_answer(text))
    declaration = registration_submit(registration=registration, actor=user).current_declaration
    content = _receipt_pdf(declaration)
    reader = PdfReader(io.BytesIO(content))
    page = reader.pages[0].extract_text()
    assert "Receipt of the declaration" in page and "Verification code" in page and "Amsterdam time" in page
    assert "Ontvangstbewijs" not in page
    assert reader.trailer["/Root"]["/Lang"] == "en"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_signings_for_different_missions_get_distinct_consecutive_references():
    text = published_text()
    count = 12
    drafts = []
    for _ in range(count):
        user = member_of()
        drafts.append((draft_ready(mission=MissionFactory(), user=user, answer=endorse_answer(text)), user))
    results = run_concurrently([partial(registration_submit, registration=r, actor=u) for r, u in drafts])
    assert results.errors == []
    references = list(Declaration.objects.order_by("sequence").values_list("reference", flat=True))
    numbers = [int(r.rsplit("-", 1)[1]) for r in references]
    assert numbers == list(range(1, count + 1)) and len(set(references)) == count
    assert declarations_verify().ok
