"""Checkpoint copies are written under a core.jobs lease: one writer at a time, failures visible."""

from unittest import mock

import pytest
from django.core.files.storage import storages

from core import jobs
from declarations.checkpoints import checkpoint_copy_store, checkpoint_storage_name, checkpoint_write
from declarations.models import CheckpointCopy

from .chain_tools import sign

pytestmark = pytest.mark.django_db


def _checkpoint():
    sign()
    return checkpoint_write()


def test_writing_a_copy_completes_its_job():
    checkpoint = _checkpoint()
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is True
    job = CheckpointCopy.objects.get(checkpoint=checkpoint)
    assert job.status == jobs.JobStatus.DONE and job.attempts == 1 and job.lease_token == ""
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is False
    assert CheckpointCopy.objects.get(pk=job.pk).attempts == 1  # done and present: not claimed again


def test_a_second_delivery_while_another_worker_writes_does_nothing():
    checkpoint = _checkpoint()
    job = CheckpointCopy.objects.create(checkpoint=checkpoint)
    held = jobs.claim(CheckpointCopy, pk=job.pk, lease_seconds=60)
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is False
    assert not storages["evidence"].exists(checkpoint_storage_name(checkpoint.number))
    assert jobs.complete(held, held.lease_token) is True  # the holder's claim was left intact


def test_a_failing_storage_fails_each_attempt_and_gives_up_after_the_last():
    checkpoint = _checkpoint()
    with mock.patch("declarations.checkpoints._checkpoint_copy_write", side_effect=OSError("read-only")):
        for attempt in range(1, CheckpointCopy.job_max_attempts + 1):
            with pytest.raises(OSError):
                checkpoint_copy_store(checkpoint_id=checkpoint.pk)
            job = CheckpointCopy.objects.get(checkpoint=checkpoint)
            assert job.attempts == attempt and job.last_error == "OSError: read-only"
    assert job.status == jobs.JobStatus.FAILED and jobs.is_given_up(job)
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is False  # failed: waits for staff
    assert jobs.reset(job)
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is True


def test_a_done_copy_whose_file_is_missing_is_written_again():
    checkpoint = _checkpoint()
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is True
    storage = storages["evidence"]
    name = checkpoint_storage_name(checkpoint.number)
    storage.delete(name)
    assert checkpoint_copy_store(checkpoint_id=checkpoint.pk) is True
    assert storage.exists(name)
