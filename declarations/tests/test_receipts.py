import io
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from audit.models import AuditEvent
from declarations.constants import ReceiptStatus
from declarations.models import Receipt
from declarations.services import receipt_fail, receipt_render, receipt_retry
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from organisations.policies import NotAllowed
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
    assert 'http-equiv="refresh"' in response.content.decode()


def test_a_failed_receipt_says_so_instead_of_waiting_for_ever(client):
    user, declaration = _signed()
    Receipt.objects.filter(declaration=declaration).update(
        status=ReceiptStatus.FAILED, last_error="TemplateSyntaxError"
    )
    client.force_login(user)
    response = client.get(f"/declarations/{declaration.pk}/receipt/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'http-equiv="refresh"' not in page and "kon niet worden gemaakt" in page


def _render_task(receipt_id):
    from declarations.tasks import receipt_render as task

    return task.apply(args=[receipt_id])


def test_a_template_error_fails_the_receipt_at_once_with_a_short_error():
    from django.template import TemplateSyntaxError

    _user, declaration = _signed()
    receipt = declaration.receipt
    with (
        mock.patch("core.pdf.render_pdf", side_effect=TemplateSyntaxError("Invalid block tag 'oops'")) as render,
        mock.patch("declarations.tasks.receipt_render.retry") as retry,
    ):
        assert _render_task(receipt.pk).get() is False
    assert render.call_count == 1 and not retry.called  # not retried: it cannot pass next time
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.FAILED
    assert receipt.last_error == "TemplateSyntaxError: Invalid block tag 'oops'"


@pytest.mark.parametrize(
    "error",
    [OSError("No space left on device"), OperationalError("server closed the connection"), BrokerError("down")],
)
def test_a_transient_error_is_retried_and_the_receipt_stays_pending(error):
    _user, declaration = _signed()
    receipt = declaration.receipt
    with (
        mock.patch("core.pdf.render_pdf", side_effect=error),
        mock.patch("declarations.tasks.receipt_render.retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        _render_task(receipt.pk)
    assert retry.call_args.kwargs["exc"] is error and retry.call_args.kwargs["countdown"] > 0
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.PENDING and receipt.last_error == ""


def test_a_transient_error_fails_the_receipt_once_the_retries_are_used_up():
    from declarations.tasks import receipt_render as task

    _user, declaration = _signed()
    receipt = declaration.receipt
    with (
        mock.patch("core.pdf.render_pdf", side_effect=OSError("No space left on device")),
        pytest.raises(OSError),
    ):
        task.apply(args=[receipt.pk], retries=task.max_retries)  # the last retry meets the same full disk
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.FAILED and receipt.last_error == "OSError: No space left on device"


def test_staff_retry_queues_a_failed_receipt_again_and_is_audited(django_capture_on_commit_callbacks):
    _user, declaration = _signed()
    receipt_fail(receipt_id=declaration.receipt.pk, error="TemplateSyntaxError: kapot")
    staff = StaffUserFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        receipt = receipt_retry(declaration=declaration, actor=staff)

    assert len(callbacks) == 1
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.DONE and receipt.last_error == ""  # the (eager) task rendered it
    event = AuditEvent.objects.get(action="declaration.receipt_retry")
    assert event.actor == staff and event.details["previous_error"] == "TemplateSyntaxError: kapot"

    with django_capture_on_commit_callbacks(execute=True) as again:
        receipt_retry(declaration=declaration, actor=staff)  # not failed (any more): nothing happens
    assert again == [] and AuditEvent.objects.filter(action="declaration.receipt_retry").count() == 1


def test_only_staff_may_retry_a_receipt():
    user, declaration = _signed()
    receipt_fail(receipt_id=declaration.receipt.pk, error="x")
    with pytest.raises(NotAllowed):
        receipt_retry(declaration=declaration, actor=user)
    declaration.receipt.refresh_from_db()
    assert declaration.receipt.status == ReceiptStatus.FAILED


def test_staff_see_a_failed_receipt_and_can_retry_it_from_the_registration(client, django_capture_on_commit_callbacks):
    _user, declaration = _signed()
    receipt_fail(receipt_id=declaration.receipt.pk, error="TemplateSyntaxError: kapot")
    login_staff(client, StaffUserFactory())
    page = client.get(reverse("staff:registration_detail", args=[declaration.subject_id]))
    retry_url = reverse("staff:receipt_retry", args=[declaration.receipt.pk])
    assert "TemplateSyntaxError: kapot" in page.text and retry_url in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:registration_detail", args=[declaration.subject_id])
    declaration.receipt.refresh_from_db()
    assert declaration.receipt.status == ReceiptStatus.DONE
    page = client.get(response["Location"])
    assert retry_url not in page.text


def test_beat_leaves_failed_receipts_alone():
    from declarations.tasks import receipts_queue_missing

    _user, declaration = _signed()
    receipt_fail(receipt_id=declaration.receipt.pk, error="x")
    with mock.patch("core.tasks.enqueue") as enqueue:
        assert receipts_queue_missing.apply().get() == 0
    enqueue.assert_not_called()
