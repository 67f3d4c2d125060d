"""A receipt is rendered by exactly one worker, even when its task is delivered twice (core.jobs)."""

import threading
import time
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from core import jobs
from declarations.constants import ReceiptStatus
from declarations.models import Receipt
from declarations.services import receipt_fail, receipt_render
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from tests.factories import member_of


def _receipt() -> Receipt:
    text = published_text()
    user = member_of()
    registration = draft_ready(mission=MissionFactory(), user=user, answer=endorse_answer(text))
    return registration_submit(registration=registration, actor=user).current_declaration.receipt


class _SlowRenderer:
    """Stands in for WeasyPrint: counts the renders and takes a moment, so two workers overlap."""

    def __init__(self, seconds: float = 0.0):
        self.calls = 0
        self.seconds = seconds
        self._lock = threading.Lock()

    def __call__(self, template, context, *, language):
        with self._lock:
            self.calls += 1
        time.sleep(self.seconds)
        return SimpleNamespace(content=b"%PDF-1.7 receipt " + context["declaration"].record_hash.encode(), pages=1)


def _patched(renderer):
    return (
        mock.patch("core.pdf.render_pdf", renderer),
        mock.patch("declarations.services.receipt_seal", lambda content: content),
    )


@pytest.mark.django_db
def test_a_second_delivery_during_a_live_lease_renders_nothing():
    receipt = _receipt()
    held = jobs.claim(Receipt, pk=receipt.pk, lease_seconds=60)  # the first delivery is rendering
    renderer = _SlowRenderer()
    render_patch, seal_patch = _patched(renderer)
    with render_patch, seal_patch:
        assert receipt_render(receipt_id=receipt.pk) is False
    assert renderer.calls == 0
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.PENDING and receipt.lease_token == held.lease_token
    assert receipt.attempts == 1


@pytest.mark.django_db
def test_a_killed_workers_receipt_is_taken_over_once_its_lease_ran_out_and_the_late_one_does_not_count():
    receipt = _receipt()
    killed = jobs.claim(Receipt, pk=receipt.pk, lease_seconds=60)
    Receipt.objects.filter(pk=receipt.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    renderer = _SlowRenderer()
    render_patch, seal_patch = _patched(renderer)
    with render_patch, seal_patch:
        assert receipt_render(receipt_id=receipt.pk) is True
    assert renderer.calls == 1
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.DONE and receipt.attempts == 2 and receipt.lease_token == ""
    assert receipt.finished_at is not None and receipt.sha256
    # The killed worker comes back (it was only paused): its result is refused.
    assert not jobs.complete(killed, killed.lease_token, sha256="0" * 64)
    receipt.refresh_from_db()
    assert receipt.sha256 != "0" * 64


@pytest.mark.django_db
def test_the_task_failing_a_receipt_leaves_another_workers_live_lease_alone():
    receipt = _receipt()
    jobs.claim(Receipt, pk=receipt.pk, lease_seconds=60)
    receipt_fail(receipt_id=receipt.pk, error="OSError: vol")
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.PENDING and receipt.lease_token


@pytest.mark.django_db
def test_an_error_gives_the_claim_back_for_the_tasks_retry():
    receipt = _receipt()
    with mock.patch("core.pdf.render_pdf", side_effect=OSError("vol")), pytest.raises(OSError):
        receipt_render(receipt_id=receipt.pk)
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.PENDING and receipt.lease_token == "" and receipt.attempts == 1
    renderer = _SlowRenderer()
    render_patch, seal_patch = _patched(renderer)
    with render_patch, seal_patch:
        assert receipt_render(receipt_id=receipt.pk) is True  # the retry claims it at once


WORKERS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_receipt_racing_render_it_once():
    receipt = _receipt()
    # The commit above may have rendered it already (eager tasks): start again from a new receipt.
    Receipt.objects.filter(pk=receipt.pk).update(status=ReceiptStatus.PENDING, file_name="", attempts=0)
    renderer = _SlowRenderer(seconds=0.5)
    barrier = threading.Barrier(WORKERS)
    results: list[bool] = []
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait(timeout=30)
            results.append(receipt_render(receipt_id=receipt.pk))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    render_patch, seal_patch = _patched(renderer)
    with render_patch, seal_patch:
        threads = [threading.Thread(target=work) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [False] * (WORKERS - 1) + [True]
    assert renderer.calls == 1
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.DONE and receipt.attempts == 1 and receipt.lease_token == ""
