"""The back-office page of failed background work (core.jobs) and its retry button."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from brochures.constants import RenditionStatus
from brochures.models import Rendition
from brochures.selectors import rendition_for_version
from brochures.tests.factories import published_brochure
from core import jobs
from declarations.checkpoints import checkpoint_write
from declarations.constants import Decision, ReceiptStatus
from declarations.models import Checkpoint, CheckpointCopy, Declaration, Receipt
from declarations.tests.chain_tools import sign
from notifications.models import OutboxMessage, OutboxStatus
from organisations.policies import NotAllowed
from staff.constants import PAGE_SIZE
from staff.selectors import failed_jobs
from staff.services.jobs import JobNotFailed, job_retry
from tests.factories import MinistryUserFactory, StaffUserFactory
from tests.mfa import login_staff
from webhooks.models import WebhookDelivery

from .factories import RegistrationFactory, declare

pytestmark = pytest.mark.django_db

SECRET_BODY = "Klik op http://testserver/confirm/geheim-token"


@pytest.fixture
def staff_client(client):
    user = StaffUserFactory()
    login_staff(client, user)
    client.user = user
    return client


def _failed_mail(subject="Bevestig uw e-mailadres", **fields):
    return OutboxMessage.objects.create(
        to=["jan@bedrijf.example"],
        subject=subject,
        body_text=SECRET_BODY,
        kind="account.confirm",
        status=OutboxStatus.FAILED,
        attempts=1,
        last_error="Recipients refused: jan@bedrijf.example (550 5.1.1 user unknown)",
        next_attempt_at=None,
        finished_at=timezone.now() - timedelta(minutes=3),
        **fields,
    )


def _failed_receipt():
    declaration = declare(RegistrationFactory(), Decision.ENDORSED)
    Receipt.objects.filter(declaration=declaration).update(
        status=ReceiptStatus.FAILED, attempts=1, last_error="OSError: schijf vol", finished_at=timezone.now()
    )
    return Receipt.objects.get(declaration=declaration)


def _failed_rendition(slug="imvo"):
    _brochure, version = published_brochure(slug=slug)
    rendition = rendition_for_version(version=version)
    Rendition.objects.filter(pk=rendition.pk).update(
        status=RenditionStatus.FAILED, attempts=5, last_error="Gave up", finished_at=timezone.now()
    )
    return Rendition.objects.get(pk=rendition.pk)


def _given_up_copy():
    if not Declaration.objects.exists():
        sign()
    checkpoint = checkpoint_write() or Checkpoint.objects.order_by("-number").first()
    copy, _created = CheckpointCopy.objects.update_or_create(
        checkpoint=checkpoint,
        defaults={
            "status": jobs.JobStatus.FAILED,
            "attempts": CheckpointCopy.job_max_attempts,
            "last_error": "OSError: read-only file system",
            "finished_at": timezone.now() - timedelta(minutes=1),
        },
    )
    return copy


def test_every_kind_of_job_is_registered():
    kinds = {kind.kind: kind.model for kind in jobs.registered()}
    assert kinds == {
        "notifications.outbox": OutboxMessage,
        "brochures.rendition": Rendition,
        "declarations.receipt": Receipt,
        "declarations.checkpoint_copy": CheckpointCopy,
        "webhooks.delivery": WebhookDelivery,
    }


def test_staff_see_failed_jobs_of_every_kind_with_attempts_and_error_but_never_a_mail_body(staff_client):
    mail = _failed_mail()
    receipt = _failed_receipt()
    rendition = _failed_rendition()
    copy = _given_up_copy()
    OutboxMessage.objects.create(to=["a@example.org"], subject="Verstuurd", body_text="x", status=OutboxStatus.SENT)
    with translation.override("en"):
        page = staff_client.get(reverse("staff:job_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bevestig uw e-mailadres" in page and "550 5.1.1 user unknown" in page
    assert SECRET_BODY not in page and "Verstuurd" not in page
    assert receipt.declaration.reference in page and "OSError: schijf vol" in page
    assert rendition.content_sha256[:12] in page
    assert "OSError: read-only file system" in page and f"{copy.attempts} / {copy.job_max_attempts}" in page
    for kind, job in (
        ("notifications.outbox", mail),
        ("declarations.receipt", receipt),
        ("brochures.rendition", rendition),
        ("declarations.checkpoint_copy", copy),
    ):
        assert reverse("staff:job_retry", args=[kind, job.pk]) in page


def test_the_list_is_newest_first_and_marks_given_up_jobs():
    old = _failed_mail(subject="Oud")
    receipt = _failed_receipt()
    copy = _given_up_copy()
    Receipt.objects.filter(pk=receipt.pk).update(finished_at=timezone.now() + timedelta(seconds=1))
    rows = failed_jobs()[0:PAGE_SIZE]
    assert [row.job for row in rows] == [receipt, copy, old]
    assert [row.given_up for row in rows] == [False, True, False]


def test_the_list_is_paginated_and_its_query_count_does_not_grow(staff_client, django_assert_max_num_queries):
    for n in range(3):
        _failed_mail(subject=f"Mail {n}")
    _failed_receipt()
    url = reverse("staff:job_list")
    staff_client.get(url)
    with django_assert_max_num_queries(20) as few:
        staff_client.get(url)
    for n in range(PAGE_SIZE + 3):
        _failed_mail(subject=f"Meer {n}")
    _failed_receipt()
    _failed_rendition(slug="tweede")
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = staff_client.get(url)
    assert len(first.context["failed_jobs"]) == PAGE_SIZE
    second = staff_client.get(url + "?page=2")
    total = 3 + 1 + PAGE_SIZE + 3 + 1 + 1
    assert len(second.context["failed_jobs"]) == total - PAGE_SIZE
    shown = {(row.kind.kind, row.job.pk) for row in [*first.context["failed_jobs"], *second.context["failed_jobs"]]}
    assert len(shown) == total


def test_retry_queues_a_failed_receipt_again_through_its_audited_service(
    staff_client, django_capture_on_commit_callbacks
):
    receipt = _failed_receipt()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("staff:job_retry", args=["declarations.receipt", receipt.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("staff:job_list")
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.DONE and receipt.attempts == 1  # a fresh attempt, rendered (eager)
    event = AuditEvent.objects.get(action="declaration.receipt_retry")
    assert event.actor == staff_client.user and event.details["previous_error"] == "OSError: schijf vol"


def test_retry_of_a_given_up_checkpoint_copy_writes_it_and_is_audited(staff_client, django_capture_on_commit_callbacks):
    copy = _given_up_copy()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("staff:job_retry", args=["declarations.checkpoint_copy", copy.pk]))
    copy.refresh_from_db()
    assert copy.status == jobs.JobStatus.DONE and copy.attempts == 1
    event = AuditEvent.objects.get(action="declaration.checkpoint_copy_retry")
    assert event.actor == staff_client.user and event.details["number"] == copy.checkpoint.number


def test_retry_of_a_failed_mail_and_rendition_uses_their_own_services(staff_client):
    mail = _failed_mail()
    rendition = _failed_rendition()
    with mock.patch("core.tasks.enqueue_on_commit"):
        staff_client.post(reverse("staff:job_retry", args=["notifications.outbox", mail.pk]))
        staff_client.post(reverse("staff:job_retry", args=["brochures.rendition", rendition.pk]))
    mail.refresh_from_db()
    rendition.refresh_from_db()
    assert (mail.status, mail.attempts) == (OutboxStatus.PENDING, 0)
    assert (rendition.status, rendition.attempts) == (RenditionStatus.PENDING, 0)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"mail.resend", "brochure.rendition_retry"} <= actions


def test_retry_of_a_job_that_has_not_failed_changes_nothing_and_says_so(staff_client):
    receipt = _failed_receipt()
    Receipt.objects.filter(pk=receipt.pk).update(status=ReceiptStatus.PENDING)
    with translation.override("en"):
        response = staff_client.post(
            reverse("staff:job_retry", args=["declarations.receipt", receipt.pk]),
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert not AuditEvent.objects.filter(action="declaration.receipt_retry").exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_an_unknown_kind_or_job_is_not_found(staff_client):
    assert staff_client.post(reverse("staff:job_retry", args=["nope.nothing", 1])).status_code == 404
    assert staff_client.post(reverse("staff:job_retry", args=["declarations.receipt", 999999])).status_code == 404


def test_the_service_checks_the_kinds_policy_itself():
    mail = _failed_mail()
    kind = jobs.kind_get("notifications.outbox")
    with pytest.raises(NotAllowed):
        job_retry(kind=kind, job=mail, actor=MinistryUserFactory())
    mail.refresh_from_db()
    assert mail.status == OutboxStatus.FAILED
    with pytest.raises(JobNotFailed):
        job_retry(kind=jobs.kind_get("declarations.receipt"), job=_sent_receipt(), actor=StaffUserFactory())


def _sent_receipt():
    receipt = _failed_receipt()
    Receipt.objects.filter(pk=receipt.pk).update(status=ReceiptStatus.DONE)
    return Receipt.objects.get(pk=receipt.pk)
