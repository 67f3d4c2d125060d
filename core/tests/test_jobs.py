"""core.jobs on a job model of its own (created for these tests): claim, renew, complete after a
lost lease, fail with backoff, give up, reclaim, reset, the registry; and racing claims on PostgreSQL."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, models
from django.utils import timezone

from core import jobs


class SampleJob(jobs.LeasedJob):
    name = models.CharField(max_length=20, blank=True)
    result = models.CharField(max_length=20, blank=True)

    job_max_attempts = 3

    class Meta:
        app_label = "core"


class Status(models.TextChoices):
    WAITING = "waiting"
    BUSY = "busy"
    READY = "ready"
    BROKEN = "broken"


class SharedStatusJob(jobs.LeasedJob):
    """A model with its own vocabulary where one value is both pending and running (like receipts)."""

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    job_statuses = jobs.JobStatuses(
        pending=Status.WAITING, running=Status.WAITING, retrying=Status.WAITING, done=Status.READY, failed=Status.BROKEN
    )

    class Meta:
        app_label = "core"


@pytest.fixture(scope="module", autouse=True)
def _job_tables(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(SampleJob)
            editor.create_model(SharedStatusJob)
        yield
        with connection.schema_editor() as editor:
            editor.delete_model(SampleJob)
            editor.delete_model(SharedStatusJob)


pytestmark = pytest.mark.django_db


def _expire(job):
    SampleJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_claim_takes_a_pending_job_with_a_token_a_lease_and_one_attempt():
    job = SampleJob.objects.create(name="a")
    before = timezone.now()
    claimed = jobs.claim(SampleJob, lease_seconds=30)
    assert claimed.pk == job.pk
    assert claimed.status == jobs.JobStatus.RUNNING
    assert len(claimed.lease_token) == 32
    assert claimed.attempts == 1
    assert before + timedelta(seconds=29) < claimed.lease_expires_at <= timezone.now() + timedelta(seconds=30)


def test_a_claimed_job_is_not_claimed_again_while_its_lease_is_live():
    job = SampleJob.objects.create()
    assert jobs.claim(SampleJob, lease_seconds=30, pk=job.pk) is not None
    assert jobs.claim(SampleJob, lease_seconds=30, pk=job.pk) is None
    assert jobs.claim(SampleJob, lease_seconds=30) is None


def test_claim_without_pk_takes_the_oldest_due_job_and_skips_future_ones():
    now = timezone.now()
    later = SampleJob.objects.create(
        name="later", status=jobs.JobStatus.RETRYING, next_attempt_at=now + timedelta(hours=1)
    )
    second = SampleJob.objects.create(name="second", next_attempt_at=now - timedelta(minutes=1))
    first = SampleJob.objects.create(name="first", next_attempt_at=now - timedelta(minutes=5))
    assert jobs.claim(SampleJob, lease_seconds=30).pk == first.pk
    assert jobs.claim(SampleJob, lease_seconds=30).pk == second.pk
    assert jobs.claim(SampleJob, lease_seconds=30) is None
    assert jobs.claim(SampleJob, lease_seconds=30, pk=later.pk) is None


def test_claim_honours_the_queryset_and_writes_extra_fields():
    SampleJob.objects.create(name="other")
    mine = SampleJob.objects.create(name="mine")
    claimed = jobs.claim(SampleJob.objects.filter(name="mine"), lease_seconds=30, result="started")
    assert claimed.pk == mine.pk and claimed.result == "started"
    other = SampleJob.objects.get(name="other")
    assert jobs.claim(SampleJob.objects.filter(name="mine"), lease_seconds=30, pk=other.pk) is None
    assert SampleJob.objects.get(pk=other.pk).status == jobs.JobStatus.PENDING


def test_done_and_failed_jobs_are_never_claimed():
    done = SampleJob.objects.create(status=jobs.JobStatus.DONE)
    failed = SampleJob.objects.create(status=jobs.JobStatus.FAILED)
    assert jobs.claim(SampleJob, lease_seconds=30, pk=done.pk) is None
    assert jobs.claim(SampleJob, lease_seconds=30, pk=failed.pk) is None


def test_renew_extends_the_lease_only_for_the_holder():
    job = SampleJob.objects.create()
    claimed = jobs.claim(SampleJob, lease_seconds=5)
    first_lease = claimed.lease_expires_at
    assert jobs.renew(claimed, claimed.lease_token, lease_seconds=600)
    claimed.refresh_from_db()
    assert claimed.lease_expires_at > first_lease + timedelta(seconds=500)
    assert not jobs.renew(job, "not-the-token", lease_seconds=600)


def test_complete_writes_the_result_and_clears_the_lease():
    SampleJob.objects.create()
    claimed = jobs.claim(SampleJob, lease_seconds=30)
    assert jobs.complete(claimed, claimed.lease_token, result="ok")
    claimed.refresh_from_db()
    assert (claimed.status, claimed.result, claimed.lease_token, claimed.lease_expires_at) == ("done", "ok", "", None)
    assert claimed.finished_at is not None


def test_complete_after_the_lease_was_lost_changes_nothing():
    SampleJob.objects.create()
    slow = jobs.claim(SampleJob, lease_seconds=30)
    _expire(slow)
    fast = jobs.claim(SampleJob, lease_seconds=30)
    assert fast.pk == slow.pk and fast.lease_token != slow.lease_token and fast.attempts == 2
    assert not jobs.complete(slow, slow.lease_token, result="slow")
    assert not jobs.renew(slow, slow.lease_token, lease_seconds=30)
    assert jobs.fail(slow, slow.lease_token, "late") is None
    assert jobs.complete(fast, fast.lease_token, result="fast")
    fast.refresh_from_db()
    assert fast.result == "fast" and fast.last_error == ""


def test_fail_schedules_a_retry_with_backoff_then_gives_up_after_max_attempts():
    job = SampleJob.objects.create()
    for attempt in (1, 2):
        claimed = jobs.claim(SampleJob, lease_seconds=30)
        assert claimed.attempts == attempt
        assert jobs.fail(claimed, claimed.lease_token, f"boom {attempt}") == jobs.JobStatus.RETRYING
        claimed.refresh_from_db()
        expected = jobs.BACKOFF_BASE * 2 ** (attempt - 1)
        delay = claimed.next_attempt_at - timezone.now()
        assert expected * 0.75 < delay <= expected * 1.2
        assert claimed.last_error == f"boom {attempt}" and claimed.lease_token == ""
        assert jobs.claim(SampleJob, lease_seconds=30) is None  # not due yet
        SampleJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
    claimed = jobs.claim(SampleJob, lease_seconds=30)
    assert jobs.fail(claimed, claimed.lease_token, "boom 3") == jobs.JobStatus.FAILED
    job.refresh_from_db()
    assert job.status == "failed" and job.next_attempt_at is None and job.finished_at is not None
    assert jobs.is_given_up(job)


def test_a_permanent_error_fails_at_once_and_is_not_given_up():
    SampleJob.objects.create()
    claimed = jobs.claim(SampleJob, lease_seconds=30)
    assert jobs.fail(claimed, claimed.lease_token, "refused", permanent=True) == jobs.JobStatus.FAILED
    claimed.refresh_from_db()
    assert claimed.attempts == 1 and not jobs.is_given_up(claimed)


def test_fail_with_retry_in_zero_is_due_at_once():
    SampleJob.objects.create()
    claimed = jobs.claim(SampleJob, lease_seconds=30)
    jobs.fail(claimed, claimed.lease_token, "later", retry_in=timedelta(0))
    assert jobs.claim(SampleJob, lease_seconds=30).pk == claimed.pk


def test_a_job_whose_workers_die_on_every_attempt_is_given_up_by_claim():
    job = SampleJob.objects.create()
    for _ in range(SampleJob.job_max_attempts):
        assert jobs.claim(SampleJob, lease_seconds=30, pk=job.pk) is not None
        _expire(job)  # the worker was killed: no complete, no fail
    assert jobs.claim(SampleJob, lease_seconds=30, pk=job.pk) is None
    job.refresh_from_db()
    assert job.status == "failed" and job.last_error == jobs.GIVEN_UP_MESSAGE and job.lease_token == ""


def test_reclaim_expired_puts_dead_claims_back_and_gives_up_exhausted_ones():
    alive = SampleJob.objects.create(name="alive")
    dead = SampleJob.objects.create(name="dead")
    exhausted = SampleJob.objects.create(name="exhausted", attempts=SampleJob.job_max_attempts - 1)
    for job in (alive, dead, exhausted):
        jobs.claim(SampleJob, lease_seconds=30, pk=job.pk)
    _expire(dead)
    _expire(exhausted)
    assert jobs.reclaim_expired(SampleJob) == 2
    states = dict(SampleJob.objects.values_list("name", "status"))
    assert states == {"alive": "running", "dead": "retrying", "exhausted": "failed"}
    assert jobs.due_ids(SampleJob) == [dead.pk]


def test_release_gives_the_claim_back_due_now():
    SampleJob.objects.create()
    claimed = jobs.claim(SampleJob, lease_seconds=30)
    assert jobs.release(claimed, claimed.lease_token, error="shutting down")
    again = jobs.claim(SampleJob, lease_seconds=30)
    assert again.pk == claimed.pk and again.attempts == 2


def test_reset_puts_only_a_failed_job_back_with_fresh_attempts():
    failed = SampleJob.objects.create(status="failed", attempts=3, last_error="x", finished_at=timezone.now())
    running = SampleJob.objects.create(
        status="running", attempts=1, lease_expires_at=timezone.now() + timedelta(minutes=1)
    )
    assert jobs.reset(failed)
    assert not jobs.reset(running)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.finished_at) == ("pending", 0, None)
    assert failed.last_error == "x"  # staff still see why it failed until the next attempt
    assert jobs.claim(SampleJob, lease_seconds=30).pk == failed.pk


def test_a_shared_pending_and_running_value_still_has_one_holder():
    job = SharedStatusJob.objects.create()
    claimed = jobs.claim(SharedStatusJob, lease_seconds=30, pk=job.pk)
    assert claimed.status == Status.WAITING and claimed.lease_token
    assert jobs.claim(SharedStatusJob, lease_seconds=30, pk=job.pk) is None
    SharedStatusJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    taken_over = jobs.claim(SharedStatusJob, lease_seconds=30, pk=job.pk)
    assert taken_over is not None and not jobs.complete(claimed, claimed.lease_token)
    assert jobs.complete(taken_over, taken_over.lease_token)
    assert SharedStatusJob.objects.get(pk=job.pk).status == Status.READY


@pytest.mark.django_db(transaction=True)
def test_heartbeat_keeps_the_lease_alive_and_notices_a_lost_claim():
    SampleJob.objects.create()
    claimed = jobs.claim(SampleJob, lease_seconds=1.5)  # renewed every 0.5 s
    with jobs.heartbeat(claimed, claimed.lease_token, lease_seconds=1.5) as beat:
        time.sleep(2.5)  # longer than the lease: only the heartbeat keeps it
        assert jobs.claim(SampleJob, lease_seconds=30) is None
        assert SampleJob.objects.get(pk=claimed.pk).lease_expires_at > timezone.now()
        SampleJob.objects.filter(pk=claimed.pk).update(lease_token="someone-else")  # taken over
        deadline = time.monotonic() + 5
        while not beat.lost and time.monotonic() < deadline:
            time.sleep(0.1)
    assert beat.lost
    assert not jobs.complete(claimed, claimed.lease_token)


def test_backoff_doubles_and_is_capped():
    assert jobs.backoff(1, rand=0.5) == timedelta(minutes=1)
    assert jobs.backoff(3, rand=0.5) == timedelta(minutes=4)
    assert jobs.backoff(30, rand=0.5) == jobs.BACKOFF_CAP
    assert jobs.backoff(1, rand=1.0) == timedelta(minutes=1.2)


def test_registry_refuses_a_model_that_is_not_a_job_and_lists_registered_kinds():
    with pytest.raises(TypeError):
        jobs.register("nope", models.Model, label="x", retry=lambda **kw: None)
    kind = jobs.register("core.sample", SampleJob, label="Sample", retry=lambda **kw: None)
    try:
        SampleJob.objects.create(status="failed")
        SampleJob.objects.create(status="done")
        assert jobs.kind_get("core.sample") is kind and kind in jobs.registered()
        assert [job.status for job in kind.failed()] == ["failed"]
    finally:
        jobs._KINDS.pop("core.sample")


WORKERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_job_claim_it_once():
    job = SampleJob.objects.create()
    barrier = threading.Barrier(WORKERS)
    tokens: list[str | None] = []
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait(timeout=30)
            claimed = jobs.claim(SampleJob, lease_seconds=30, pk=job.pk)
            tokens.append(claimed.lease_token if claimed else None)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    winners = [token for token in tokens if token]
    assert len(tokens) == WORKERS and len(winners) == 1
    job.refresh_from_db()
    assert job.lease_token == winners[0] and job.attempts == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_claiming_any_job_share_out_the_queue_without_overlap():
    created = [SampleJob.objects.create(name=str(n)).pk for n in range(WORKERS * 2)]
    barrier = threading.Barrier(WORKERS)
    claimed: list[int] = []
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait(timeout=30)
            while (job := jobs.claim(SampleJob, lease_seconds=30)) is not None:
                claimed.append(job.pk)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(claimed) == sorted(created)
    assert set(SampleJob.objects.values_list("attempts", flat=True)) == {1}
