"""Failed background work in the back-office: the staff side of every registered ``core.jobs`` kind."""

from django.utils.translation import gettext_lazy as _

from core import jobs
from core.exceptions import DomainError
from organisations.policies import require


class JobNotFailed(DomainError):
    message = _("This job has not failed (any more); nothing was changed.")


def job_retry(*, kind: jobs.JobKind, job: jobs.LeasedJob, actor, request=None) -> jobs.LeasedJob:
    """Staff put a failed job of any kind back in the queue.

    The kind's policy (e.g. ``mail.manage`` for e-mail) is checked here, since the apps that own
    the jobs lie below the permission layer or check only their own rule; the kind's own retry
    service then resets the job, records its audit event and queues the work, in one transaction.
    Raises ``NotAllowed``, or ``JobNotFailed`` for a job that is not failed (a double click).
    """
    require(actor, kind.policy)
    if job.status != job.job_statuses.failed:
        raise JobNotFailed()
    return kind.retry(job=job, actor=actor, request=request)
