"""Leased jobs: one way to hand background work to exactly one worker at a time.

A *job* is a row of a model that inherits the abstract ``LeasedJob``: an e-mail in the outbox, a
brochure rendition, a declaration's receipt, a checkpoint's storage copy, a webhook delivery. Its
life cycle::

    pending ──claim──▶ running ──complete──▶ done
       ▲                  │
       │                  ├──fail (transient, attempts left)──▶ retrying ──(next_attempt_at)──▶ claim
       │                  ├──fail (permanent, or the last attempt)──▶ failed ──retry (staff)──▶ pending
       │                  └──lease runs out (worker died)──▶ claimable again; the last attempt gives up
       └───────────────────────────────── retry (staff) ─────────────────────────────────────────┘

Guarantees:

- **One winner.** ``claim`` gives a job to one caller only: on PostgreSQL the row is taken with
  ``SELECT … FOR UPDATE SKIP LOCKED`` (concurrent claimers skip it instead of waiting); elsewhere
  (SQLite) with a conditional ``UPDATE`` that only one of two racing callers can match. The claim
  writes a fresh random ``lease_token``, a lease (``lease_expires_at``) and one more attempt, in one
  short transaction; the work itself runs outside any transaction.
- **Heartbeat.** ``renew`` (or the ``heartbeat`` context manager, a thread that renews every third
  of the lease) keeps a live worker's lease from running out, so the lease can be short and a
  killed worker's job is taken over within one lease.
- **Complete only while the token holds.** ``complete`` and ``fail`` are conditional on the
  token: when the lease ran out and another worker took the job over, they change nothing and
  return ``False`` / ``None``; the caller discards its result (the other worker's counts).
- **Give up after N attempts.** ``fail`` schedules the next attempt with exponential backoff
  (``backoff``) or, for a permanent error or the last attempt, marks the job failed. A job whose
  workers died on every attempt (the lease ran out each time) is failed by ``claim`` or
  ``reclaim_expired`` instead of being claimed forever. ``job_max_attempts`` on the model.
- **At least once, not exactly once, for side effects outside the database.** A worker that
  dies after its side effect (an SMTP hand-over, a stored file) but before ``complete`` leaves the
  job running; once its lease runs out the job is done again. Make the work idempotent.
- **Visible to staff.** Apps register their job models with ``register`` (in their
  ``AppConfig.ready``; this module imports no domain app); ``/staff/jobs/`` lists failed jobs of
  every registered kind and offers a retry.

Statuses. A model may keep its own status vocabulary (the outbox says "sending" and "sent"):
``job_statuses`` maps the five roles above to its values. Two roles may share a value (receipts
have only pending, done and failed: a running receipt is a pending one with a live lease); the
claim condition below is written so that this works.

API (stable; keyword arguments are keyword-only):

- ``claim(source, *, lease_seconds, pk=None, token=None, now=None, **fields) -> job | None``
- ``renew(job, token, *, lease_seconds) -> bool``
- ``heartbeat(job, token, *, lease_seconds)`` context manager; ``.lost`` is True once the claim is gone
- ``complete(job, token, **fields) -> bool``
- ``fail(job, token, error, *, permanent=False, retry_in=None, **fields) -> str | None`` (new status)
- ``release(job, token, *, error="") -> bool`` (give the claim back without it counting as failed)
- ``reset(job) -> bool`` (a failed job back to pending with fresh attempts; callers audit it)
- ``reclaim_expired(source, *, now=None) -> int`` and ``due_ids(source, *, limit, now=None)``
- ``claimable(model, now) -> Q``, ``backoff(attempts)``, ``is_given_up(job)``
- ``register(kind, model, *, label, retry, describe=str, queryset=None, policy="staff.access")``,
  ``registered()``, ``kind_get(kind)``
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db import DatabaseError, connection, connections, models, router, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

#: How much of an error message a job keeps (shown to staff; never a traceback).
ERROR_MAX_LENGTH = 4000
#: Backoff after the n-th failed attempt: BASE · 2^(n-1), at most CAP, shifted by up to ±JITTER.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=4)
BACKOFF_JITTER = 0.2
#: How many candidates a claim without ``pk`` tries on a database without SKIP LOCKED.
_CONDITIONAL_CANDIDATES = 5
GIVEN_UP_MESSAGE = "Given up: the worker stopped during every attempt (crash or time limit)."


class JobStatus(models.TextChoices):
    """The default status vocabulary of a leased job."""

    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    RETRYING = "retrying", _("retrying")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


@dataclass(frozen=True)
class JobStatuses:
    """Which value of a model's ``status`` plays which role (see the module docstring)."""

    pending: str = JobStatus.PENDING
    running: str = JobStatus.RUNNING
    retrying: str = JobStatus.RETRYING
    done: str = JobStatus.DONE
    failed: str = JobStatus.FAILED

    @property
    def waiting(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.pending, self.retrying)))


class LeasedJob(models.Model):
    """Abstract base of every job model. A subclass may override ``status`` (its own choices, same
    column) and must then set ``job_statuses``; it sets ``job_max_attempts`` to its limit."""

    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=0, help_text=_("How often a worker started it since it was queued or last retried.")
    )
    last_error = models.TextField(_("last error"), blank=True, help_text=_("The last error, for staff."))
    lease_token = models.CharField(
        _("lease token"), max_length=32, blank=True, help_text=_("Identifies the worker that holds it.")
    )
    lease_expires_at = models.DateTimeField(
        _("lease expires at"),
        null=True,
        blank=True,
        help_text=_("A job still running after this moment is taken over by another worker."),
    )
    next_attempt_at = models.DateTimeField(
        _("next attempt at"), null=True, blank=True, help_text=_("Not tried again before this moment.")
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    job_statuses: ClassVar[JobStatuses] = JobStatuses()
    job_max_attempts: ClassVar[int] = 5

    class Meta:
        abstract = True


def _model_and_queryset(source) -> tuple[type[LeasedJob], models.QuerySet]:
    if isinstance(source, models.QuerySet):
        return source.model, source
    if isinstance(source, models.Manager):
        return source.model, source.all()
    return source, source._default_manager.all()


def claimable(model: type[LeasedJob], now: datetime) -> Q:
    """Rows a worker may take now, whatever their attempts (see ``claim``): without a live lease,
    pending (due at once: it was just queued, and a worker clock slightly behind the web server's
    must not hold it up) or retrying with ``next_attempt_at`` reached; or running with a lease that
    ran out (its worker died). When pending and retrying share a value, ``next_attempt_at`` counts."""
    states = model.job_statuses
    no_live_lease = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    if states.pending == states.retrying:
        waiting = Q(status=states.pending) & due
    else:
        waiting = Q(status=states.pending) | Q(status=states.retrying) & due
    return waiting & no_live_lease | Q(status=states.running, lease_expires_at__lt=now)


def _claim_fields(model, token: str, now: datetime, lease_seconds: float, fields: dict) -> dict:
    return {
        "status": model.job_statuses.running,
        "lease_token": token,
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
        "attempts": F("attempts") + 1,
        **fields,
    }


def claim(source, *, lease_seconds: float, pk=None, token: str | None = None, now=None, **fields) -> LeasedJob | None:
    """Take one due job for this worker, or None when there is none (or ``pk`` is not ours to take).

    ``source`` is a job model, its manager or a queryset (to narrow the candidates, e.g. one
    organisation's). With ``pk`` only that job is considered. ``fields`` are written with the
    claim (e.g. ``started_at=now``). The returned job is read fresh after the claim; its
    ``lease_token`` is the token to pass to ``renew``, ``complete`` and ``fail``. A job whose
    workers died on each of its ``job_max_attempts`` attempts is failed here, not claimed.
    """
    model, queryset = _model_and_queryset(source)
    now = now or timezone.now()
    token = token or uuid.uuid4().hex
    allowed = queryset.filter(claimable(model, now), attempts__lt=model.job_max_attempts)
    if pk is not None:
        allowed = allowed.filter(pk=pk)
    values = _claim_fields(model, token, now, lease_seconds, fields)
    db = router.db_for_write(model)
    claimed_pk = None
    if connections[db].features.has_select_for_update_skip_locked:
        with transaction.atomic(using=db):
            row = (
                allowed.select_for_update(skip_locked=True, of=("self",))
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)
                .first()
            )
            if row is not None and model._default_manager.filter(pk=row).update(**values):
                claimed_pk = row
    else:
        candidates = (
            [pk]
            if pk is not None
            else list(allowed.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:_CONDITIONAL_CANDIDATES])
        )
        for candidate in candidates:
            with transaction.atomic(using=db):
                # One conditional UPDATE: of two workers racing for the row only one matches.
                if allowed.filter(pk=candidate).update(**values):
                    claimed_pk = candidate
                    break
    if claimed_pk is None:
        if pk is not None:
            _give_up_exhausted(model._default_manager.filter(pk=pk), now)
        return None
    return queryset.filter(pk=claimed_pk, lease_token=token).first()


def _give_up_exhausted(queryset: models.QuerySet, now: datetime) -> int:
    """Fail jobs that are claimable but have no attempt left (their workers died on every one)."""
    model = queryset.model
    gave_up = queryset.filter(claimable(model, now), attempts__gte=model.job_max_attempts).update(
        status=model.job_statuses.failed,
        lease_token="",
        lease_expires_at=None,
        next_attempt_at=None,
        finished_at=now,
        last_error=GIVEN_UP_MESSAGE,
    )
    if gave_up:
        logger.error("%s: %s job(s) given up after %s attempts", model._meta.label, gave_up, model.job_max_attempts)
    return gave_up


def reclaim_expired(source, *, now=None) -> int:
    """Make jobs whose lease ran out claimable in the open: running ones go back to retrying (due
    now), those without an attempt left are failed. Returns how many changed. Beat may run this;
    ``claim`` takes expired jobs over by itself, so this is only for queues and staff pages."""
    model, queryset = _model_and_queryset(source)
    now = now or timezone.now()
    states = model.job_statuses
    expired = queryset.filter(status=states.running, lease_expires_at__lt=now)
    gave_up = _give_up_exhausted(expired, now)
    back = expired.filter(attempts__lt=model.job_max_attempts).update(
        status=states.retrying, lease_token="", lease_expires_at=None, next_attempt_at=now
    )
    return gave_up + back


def due_ids(source, *, limit: int = 500, now=None) -> list:
    """Primary keys of jobs a worker could claim now, oldest first (for a flush that queues tasks)."""
    model, queryset = _model_and_queryset(source)
    now = now or timezone.now()
    ids = queryset.filter(claimable(model, now)).order_by("next_attempt_at", "pk").values_list("pk", flat=True)
    return list(ids[:limit])


def _held(job: LeasedJob, token: str) -> models.QuerySet:
    model = type(job)
    return model._default_manager.filter(pk=job.pk, status=model.job_statuses.running, lease_token=token)


def renew(job: LeasedJob, token: str, *, lease_seconds: float) -> bool:
    """Extend the lease; False when the claim is no longer ours (another worker took over, or it ended)."""
    return bool(_held(job, token).update(lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds)))


def complete(job: LeasedJob, token: str, **fields) -> bool:
    """Mark the job done, writing ``fields`` in the same statement, only while ``token`` holds the
    claim. False when the lease was lost: nothing is written and the caller's result does not count."""
    model = type(job)
    with transaction.atomic(using=router.db_for_write(model)):
        return bool(
            _held(job, token).update(
                status=model.job_statuses.done,
                lease_token="",
                lease_expires_at=None,
                next_attempt_at=None,
                last_error="",
                finished_at=timezone.now(),
                **fields,
            )
        )


def backoff(attempts: int, *, rand: float | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th attempt failed: 1, 2, 4 … minutes, at most 4 hours,
    each shifted by up to ±20 % so that jobs failed together are not retried together."""
    base = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    rand = random.random() if rand is None else rand
    return base * (1 + BACKOFF_JITTER * (2 * rand - 1))


def fail(
    job: LeasedJob,
    token: str,
    error: str,
    *,
    permanent: bool = False,
    retry_in: timedelta | None = None,
    **fields,
) -> str | None:
    """Record a failed attempt: retrying after ``retry_in`` (default ``backoff(attempts)``), or failed
    when the error is permanent or this was the last attempt. Returns the new status, or None when
    the claim was no longer ours (nothing written). ``job.attempts`` is the count after the claim.
    It does not log: the caller knows what failed and logs it (a given-up job at ERROR)."""
    model = type(job)
    states = model.job_statuses
    now = timezone.now()
    attempts = job.attempts
    if permanent or attempts >= model.job_max_attempts:
        values = {"status": states.failed, "next_attempt_at": None, "finished_at": now}
    else:
        delay = backoff(attempts) if retry_in is None else retry_in
        values = {"status": states.retrying, "next_attempt_at": now + delay}
    values.update(last_error=str(error)[:ERROR_MAX_LENGTH], lease_token="", lease_expires_at=None, **fields)
    with transaction.atomic(using=router.db_for_write(model)):
        updated = _held(job, token).update(**values)
    return values["status"] if updated else None


def release(job: LeasedJob, token: str, *, error: str = "") -> bool:
    """Give the claim back, due at once (e.g. the worker is shutting down). The attempt still counts."""
    model = type(job)
    return bool(
        _held(job, token).update(
            status=model.job_statuses.retrying,
            lease_token="",
            lease_expires_at=None,
            next_attempt_at=timezone.now(),
            last_error=str(error)[:ERROR_MAX_LENGTH],
        )
    )


def reset(job: LeasedJob) -> bool:
    """Put a failed job back to pending with a fresh set of attempts (staff's retry). Only a failed
    job changes; False otherwise. The caller checks permission, records the audit event and queues
    the work, in the same transaction."""
    model = type(job)
    states = model.job_statuses
    return bool(
        model._default_manager.filter(pk=job.pk, status=states.failed).update(
            status=states.pending,
            attempts=0,
            lease_token="",
            lease_expires_at=None,
            next_attempt_at=timezone.now(),
            finished_at=None,
        )
    )


def is_given_up(job: LeasedJob) -> bool:
    """Failed after using every attempt (as opposed to a permanent error)."""
    return job.status == job.job_statuses.failed and job.attempts >= job.job_max_attempts


class Heartbeat:
    """Renews a claim every third of its lease while the work runs, in a thread with its own
    database connection. The thread dies with its process, which is what lets the lease run out
    when a worker is killed. ``lost`` becomes True once the claim is no longer ours."""

    def __init__(self, job: LeasedJob, token: str, *, lease_seconds: float):
        self.job = job
        self.token = token
        self.lease_seconds = lease_seconds
        self.lost = False
        self._stop = threading.Event()
        label = f"{type(job)._meta.label_lower}-{job.pk}-lease"
        self._thread = threading.Thread(target=self._run, name=label, daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(max(self.lease_seconds / 3, 0.5)):
                try:
                    if not renew(self.job, self.token, lease_seconds=self.lease_seconds):
                        self.lost = True
                        return
                except DatabaseError as exc:  # try again at the next beat; the lease may lapse meanwhile
                    logger.warning(
                        "Could not renew the lease of %s %s: %s", type(self.job)._meta.label, self.job.pk, exc
                    )
        finally:
            connection.close()

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@contextmanager
def heartbeat(job: LeasedJob, token: str, *, lease_seconds: float) -> Iterator[Heartbeat]:
    """``with heartbeat(job, token, lease_seconds=30) as beat: ...`` renews the lease meanwhile."""
    beat = Heartbeat(job, token, lease_seconds=lease_seconds).start()
    try:
        yield beat
    finally:
        beat.stop()


# --- Registry of job kinds, for staff --------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    """A registered kind of job.

    ``retry(job=..., actor=..., request=...)`` is the app's own service that puts a failed job back
    (it audits and queues the work; ``staff.services.job_retry`` checks permission first).
    ``describe(job)`` is a short text for staff that never shows secrets or personal data.
    ``queryset`` narrows or prepares the rows listed (e.g. ``select_related``). ``policy`` is the
    permission (``organisations.policies``) a retry of this kind needs.
    """

    kind: str
    model: type[LeasedJob]
    label: Any
    retry: Callable[..., Any]
    describe: Callable[[LeasedJob], str] = str
    queryset: Callable[[models.QuerySet], models.QuerySet] = field(default=lambda qs: qs)
    policy: str = "staff.access"

    def failed(self) -> models.QuerySet:
        return self.queryset(self.model._default_manager.filter(status=self.model.job_statuses.failed))


_KINDS: dict[str, JobKind] = {}


def register(
    kind: str,
    model: type[LeasedJob],
    *,
    label,
    retry: Callable[..., Any],
    describe: Callable[[LeasedJob], str] = str,
    queryset: Callable[[models.QuerySet], models.QuerySet] | None = None,
    policy: str = "staff.access",
) -> JobKind:
    """Make a job model visible to staff (call from the owning app's ``AppConfig.ready``)."""
    if not issubclass(model, LeasedJob):
        raise TypeError(f"{model!r} is not a LeasedJob")
    entry = JobKind(kind, model, label, retry, describe, queryset or (lambda qs: qs), policy)
    _KINDS[kind] = entry
    return entry


def registered() -> list[JobKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def kind_get(kind: str) -> JobKind | None:
    return _KINDS.get(kind)
