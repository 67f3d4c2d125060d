"""The public /verify/ page: reference + code or the receipt PDF; no login, no enumeration."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditEvent
from audit.services import personal_part
from declarations.checkpoints import checkpoint_write
from declarations.references import verification_code
from declarations.services import receipt_render
from missions.services import registration_withdraw

from .chain_tools import sign

pytestmark = pytest.mark.django_db


def _result(html: str) -> str:
    """The answer part of the page (the form below it echoes the input)."""
    match = re.search(r'<section id="verify-result".*?</section>', html, re.S)
    return match.group(0) if match else ""


def _pdf(declaration) -> bytes:
    receipt_render(receipt_id=declaration.receipt.pk)
    declaration.receipt.refresh_from_db()
    return default_storage.open(declaration.receipt.file_name).read()


def test_the_page_is_public_and_links_from_every_page(client):
    response = client.get("/verify/")
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert 'href="/verify/"' in client.get("/").content.decode()


def test_reference_and_code_show_what_the_receipt_says_and_nothing_personal(client):
    declaration = sign()
    code = verification_code(declaration)
    response = client.post("/verify/", {"reference": declaration.reference, "code": code})
    answer = _result(response.content.decode())
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert "in het register" in answer  # Dutch by default
    assert declaration.organisation_name in answer and "Onderschreven" in answer
    assert 'data-field="text-version">Innovatiemissie, versie 1 (NL)' in answer
    assert "nog de huidige verklaring" in answer
    assert "nog niet gedekt" in answer.lower()  # no checkpoint yet: the next one within the hour
    personal = declaration.personal
    for secret in filter(None, (personal.signatory_name, personal.signatory_position, personal.user_agent)):
        assert secret not in response.content.decode()
    # typed loosely, as a person would, and as a link (GET with query parameters)
    loose = {"reference": declaration.reference.lower().replace("-", " "), "code": code.lower().replace("-", "")}
    assert declaration.organisation_name in _result(client.get("/verify/", loose).content.decode())


def test_the_answer_names_the_covering_checkpoint_and_a_later_withdrawal(client):
    declaration = sign()
    checkpoint = checkpoint_write()
    registration_withdraw(registration=declaration.subject, actor=declaration.user, reason="Weg")
    query = {"reference": declaration.reference, "code": verification_code(declaration)}
    client.cookies["django_language"] = "en"
    answer = _result(client.get("/verify/", query).content.decode())
    assert f"signed checkpoint {checkpoint.number}" in answer.lower()
    assert "No: a later record" in answer


def test_a_wrong_reference_and_a_wrong_code_get_the_same_answer(client):
    one, other = sign(), sign()
    code = verification_code(one)
    wrong_code = client.post("/verify/", {"reference": one.reference, "code": verification_code(other)})
    wrong_reference = client.post("/verify/", {"reference": "IMVO-2099-000001", "code": code})
    another_records_code = client.post("/verify/", {"reference": other.reference, "code": code})
    answers = {_result(r.content.decode()) for r in (wrong_code, wrong_reference, another_records_code)}
    assert len(answers) == 1 and "Geen verklaring gevonden" in answers.pop()
    assert {r.status_code for r in (wrong_code, wrong_reference, another_records_code)} == {200}


def test_the_receipt_pdf_itself_can_be_uploaded(client):
    declaration = sign()
    upload = SimpleUploadedFile("ontvangstbewijs.pdf", _pdf(declaration), content_type="application/pdf")
    client.cookies["django_language"] = "en"
    response = client.post("/verify/", {"receipt": upload})
    answer = _result(response.content.decode())
    assert "This declaration is in the register" in answer and declaration.reference in answer


def test_uploads_are_validated(client, settings):
    fake = SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    page = client.post("/verify/", {"receipt": fake}).content.decode()
    assert "geen PDF" in page and not _result(page)
    broken = SimpleUploadedFile("x.pdf", b"%PDF-1.7\n garbage without a reference", content_type="application/pdf")
    page = client.post("/verify/", {"receipt": broken}).content.decode()
    assert "kon geen referentie" in page.lower() and not _result(page)
    settings.VERIFY_RECEIPT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 2048, content_type="application/pdf")
    page = client.post("/verify/", {"receipt": big}).content.decode()
    assert "te groot" in page and not _result(page)
    page = client.post("/verify/", {"reference": "IMVO-2027-000001"}).content.decode()
    assert "zowel de referentie als de verificatiecode" in page.lower() and not _result(page)


def test_the_form_is_csrf_protected():
    declaration = sign()
    client = Client(enforce_csrf_checks=True)
    response = client.post("/verify/", {"reference": declaration.reference, "code": verification_code(declaration)})
    assert response.status_code == 403


def test_lookups_are_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verify": "3/m"}
    for _ in range(3):
        assert client.get("/verify/", {"reference": "IMVO-2027-000001", "code": "ABCD-EFGH-JKMN"}).status_code == 200
    response = client.get("/verify/", {"reference": "IMVO-2027-000001", "code": "ABCD-EFGH-JKMN"})
    assert response.status_code == 429 and "Retry-After" in response
    assert client.post("/verify/", {"reference": "IMVO-2027-000001", "code": "ABCD-EFGH-JKMN"}).status_code == 429
    assert client.get("/verify/").status_code == 200  # the empty form is not a lookup


def test_lookups_are_audited_without_personal_data(client):
    declaration = sign()
    client.post("/verify/", {"reference": declaration.reference, "code": verification_code(declaration)})
    client.post("/verify/", {"reference": declaration.reference, "code": "ABCD-EFGH-JKMN"})
    events = list(AuditEvent.objects.filter(action="declaration.verify").order_by("pk"))
    assert [e.details["outcome"] for e in events] == ["match", "no_match"]
    assert [e.details["method"] for e in events] == ["code", "code"]
    for event in events:
        assert event.actor_id is None and personal_part(event) is None  # no IP address, no user agent
        assert set(event.details) == {"method", "outcome"}


def test_english_page(client):
    declaration = sign()
    query = {"reference": declaration.reference, "code": verification_code(declaration)}
    client.cookies["django_language"] = "en"
    page = client.get("/verify/", query).content.decode()
    assert 'lang="en"' in page and "Verify a declaration receipt" in page
    assert "This declaration is in the register" in _result(page) and "Endorsed" in _result(page)


def test_a_lookup_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    records = [sign() for _ in range(3)]
    checkpoint_write()
    declaration = records[1]
    query = {"reference": declaration.reference, "code": verification_code(declaration)}
    with django_assert_max_num_queries(10):
        response = client.get("/verify/", query)
    assert declaration.organisation_name in _result(response.content.decode())
