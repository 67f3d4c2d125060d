"""Receipt files lost from storage come back from the evidence; lost checkpoint copies stay lost."""

import shutil
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from declarations.checkpoints import checkpoint_storage_name, checkpoint_write
from declarations.constants import CHECKPOINT_COPY_GRACE, ReceiptStatus
from declarations.models import Receipt, SupersededReceiptFile
from declarations.receipt_check import receipt_upload_check
from declarations.receipt_files import receipt_file_lost, receipts_missing_files
from declarations.services import receipt_render, receipt_retry
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from tests.factories import StaffUserFactory, member_of
from tests.mfa import login_staff
from tests.on_commit import queued

from .chain_tools import store_all_copies

pytestmark = pytest.mark.django_db


def _signed(text=None):
    text = text or published_text()
    user = member_of()
    registration = draft_ready(mission=MissionFactory(), user=user, answer=endorse_answer(text))
    declaration = registration_submit(registration=registration, actor=user).current_declaration
    receipt_render(receipt_id=declaration.receipt.pk)
    return user, declaration, Receipt.objects.get(declaration=declaration)


def _download(client, declaration):
    return client.get(f"/declarations/{declaration.pk}/receipt/")


def test_a_receipt_lost_from_storage_is_made_again_on_its_first_download(client, django_capture_on_commit_callbacks):
    user, declaration, receipt = _signed()
    issued = default_storage.open(receipt.file_name).read()
    default_storage.delete(receipt.file_name)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _download(client, declaration)

    # Not a 500: "being prepared", with the time to come back, and the render queued.
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert 'http-equiv="refresh"' in response.content.decode()
    assert len(queued(callbacks)) == 1  # the render; the request's own bookkeeping aside
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.PENDING
    event = AuditEvent.objects.get(action="declaration.receipt_file_lost")
    assert event.details["found_by"] == "download" and event.details["sha256"] == receipt.sha256
    # A second download while it renders queues nothing more.
    with django_capture_on_commit_callbacks(execute=False) as again:
        assert _download(client, declaration).status_code == 202
    assert queued(again) == []

    queued(callbacks)[0]()  # the worker renders it from the evidence
    response = _download(client, declaration)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    remade = b"".join(response.streaming_content)
    assert remade.startswith(b"%PDF")

    # Both files verify on /verify/ as issued by the portal: the new one by Receipt.sha256, the
    # one the company downloaded before by the SHA-256 kept when its stored copy was found lost.
    assert remade != issued  # sealed anew: another signing time
    assert SupersededReceiptFile.objects.get().sha256 == receipt.sha256
    for content in (issued, remade):
        check = receipt_upload_check(content)
        assert check.file_is_issued_receipt is True and check.declaration == declaration


def test_the_whole_receipt_folder_lost_is_found_and_queued_by_repair_files(django_capture_on_commit_callbacks):
    _user, first, _r1 = _signed()
    text = first.text
    _user, second, _r2 = _signed(text)
    shutil.rmtree(settings.MEDIA_ROOT / settings.RECEIPT_STORAGE_PREFIX)
    assert sorted(receipts_missing_files()) == sorted([first.receipt.pk, second.receipt.pk])

    out = StringIO()
    call_command("repair_files", "--dry-run", stdout=out)
    assert "receipts: 2 missing (dry run, not queued)" in out.getvalue()
    assert Receipt.objects.filter(status=ReceiptStatus.PENDING).count() == 0

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("repair_files", stdout=out)
    assert "receipts: 2 missing, queued to be made again" in out.getvalue()
    assert f"(declaration {first.pk})" in out.getvalue() and f"(declaration {second.pk})" in out.getvalue()
    assert receipts_missing_files() == []  # rendered again (eager Celery ran the queued renders)
    out = StringIO()
    call_command("repair_files", stdout=out)
    assert "receipts: 0 missing" in out.getvalue()


def test_staff_retry_works_on_a_receipt_whose_file_is_gone(client, django_capture_on_commit_callbacks):
    _user, declaration, receipt = _signed()
    staff = StaffUserFactory()
    # Nothing lost: retry changes nothing.
    assert receipt_retry(declaration=declaration, actor=staff).status == ReceiptStatus.DONE
    default_storage.delete(receipt.file_name)
    login_staff(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/receipts/{receipt.pk}/retry/", follow=True)
    assert response.status_code == 200
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.DONE and default_storage.exists(receipt.file_name)
    event = AuditEvent.objects.get(action="declaration.receipt_file_lost")
    assert event.details["found_by"] == "staff" and event.actor_id == staff.pk


def test_the_registration_page_offers_staff_the_retry_for_a_receipt_whose_file_is_gone(client):
    _user, declaration, receipt = _signed()
    login_staff(client, StaffUserFactory())
    client.cookies["django_language"] = "en"
    url = f"/staff/registrations/{declaration.subject_id}/"
    retry = f'action="/staff/receipts/{receipt.pk}/retry/"'
    assert retry not in client.get(url).content.decode()  # ready and present: nothing to do
    default_storage.delete(receipt.file_name)
    page = client.get(url).content.decode()
    assert retry in page and "The stored PDF is missing." in page


def test_marking_lost_is_idempotent_and_leaves_a_present_file_alone(django_capture_on_commit_callbacks):
    _user, _declaration, receipt = _signed()
    assert receipt_file_lost(receipt_id=receipt.pk, found_by="repair_files") is False
    default_storage.delete(receipt.file_name)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert receipt_file_lost(receipt_id=receipt.pk, found_by="repair_files") is True
        assert receipt_file_lost(receipt_id=receipt.pk, found_by="repair_files") is False
    assert len(callbacks) == 1
    assert SupersededReceiptFile.objects.count() == 1


def test_a_lost_checkpoint_copy_is_reported_by_repair_files_and_never_rebuilt():
    _signed()
    checkpoint = checkpoint_write()
    store_all_copies()
    storages["evidence"].delete(checkpoint_storage_name(checkpoint.number))
    with time_machine.travel(timezone.now() + CHECKPOINT_COPY_GRACE + timedelta(seconds=1)):
        out, err = StringIO(), StringIO()
        with pytest.raises(SystemExit) as exit_:
            call_command("repair_files", stdout=out, stderr=err)
        assert exit_.value.code == 1
        assert "checkpoint copies: 1 lost, not rebuilt" in out.getvalue()
        assert f"checkpoint {checkpoint.number}: {checkpoint_storage_name(checkpoint.number)}" in out.getvalue()
        assert "verify_declarations" in err.getvalue()
        assert not storages["evidence"].exists(checkpoint_storage_name(checkpoint.number))


def test_the_download_of_a_lost_receipt_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    user, declaration, receipt = _signed()
    default_storage.delete(receipt.file_name)
    client.force_login(user)
    with django_assert_max_num_queries(18):  # 16 today: session, the record, the lock, the audit chain
        response = _download(client, declaration)
    assert response.status_code == 503


def test_other_companies_cannot_trigger_a_render_of_a_receipt_they_may_not_see(client):
    _user, declaration, receipt = _signed()
    default_storage.delete(receipt.file_name)
    client.force_login(member_of())  # another company
    assert _download(client, declaration).status_code == 404
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.DONE  # nothing queued, nothing audited
    assert not AuditEvent.objects.filter(action="declaration.receipt_file_lost").exists()
