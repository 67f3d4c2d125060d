import io

import pytest
from django.core.files.storage import default_storage

from declarations.constants import ReceiptStatus
from declarations.models import Receipt
from declarations.services import receipt_render
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from tests.factories import StaffUserFactory, UserFactory, member_of
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db


def _signed():
    text = published_text()
    user = member_of()
    registration = draft_ready(mission=MissionFactory(), user=user, answer=endorse_answer(text))
    return user, registration_submit(registration=registration, actor=user).current_declaration


def test_receipt_is_rendered_once_and_contains_the_hashes():
    user, declaration = _signed()
    receipt = Receipt.objects.get(declaration=declaration)
    assert receipt.status == ReceiptStatus.PENDING
    assert receipt_render(receipt_id=receipt.pk) is True
    assert receipt_render(receipt_id=receipt.pk) is False  # idempotent
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.DONE and receipt.pages >= 1
    assert receipt.file_name.startswith("private/receipts/")
    content = default_storage.open(receipt.file_name).read()
    assert content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", "")
    assert declaration.text_sha256 in text and declaration.record_hash in text


def test_download_for_members_and_staff_only(client):
    user, declaration = _signed()
    receipt_render(receipt_id=declaration.receipt.pk)
    url = f"/declarations/{declaration.pk}/receipt/"
    client.force_login(member_of())  # another organisation
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    login_staff(client, StaffUserFactory())
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_pending_receipt_shows_a_waiting_page(client):
    user, declaration = _signed()
    client.force_login(user)
    response = client.get(f"/declarations/{declaration.pk}/receipt/")
    assert response.status_code == 202
