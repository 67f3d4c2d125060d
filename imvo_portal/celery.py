"""The portal's Celery app. Tasks take ids, are enqueued on commit and are idempotent.

Every task of the project is a ``PortalTask`` (the app's task class, so ``@shared_task`` needs
no ``base=``): before its body runs in a worker, the delivery of its message is counted and a
message delivered more than ``TASK_MAX_DELIVERIES`` times is ignored and logged.
"""

from __future__ import annotations

import logging
import os

from celery import Celery, Task, signals
from celery.exceptions import Ignore

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imvo_portal.settings")

logger = logging.getLogger(__name__)


def delivery_key(task_id: str, retries: int) -> str:
    """Cache key counting the deliveries of one message (a retry is a new message: own count)."""
    return f"celery-deliveries:{task_id}:{retries}"


def poison_guard(task: Task, request) -> None:
    """Raise ``Ignore`` for a message that was delivered too often (it keeps killing its worker).

    ``task_acks_late`` with ``task_reject_on_worker_lost`` redelivers a task whose worker died;
    without a cap, a task that crashes its worker would loop for ever. Redis keeps no delivery
    count, so we count deliveries of each message (task id and retry number) in the cache. The
    cache is best effort here: when it does not answer, the task runs.

    This runs in ``PortalTask.__call__`` rather than in a ``task_prerun`` signal handler: Celery
    logs and swallows an exception raised by a signal handler, so ``Ignore`` raised there would
    not stop the task.
    """
    from django.conf import settings  # this module loads before Django is set up
    from django.core.cache import cache

    if request is None or request.is_eager or not request.id:
        return
    key = delivery_key(request.id, request.retries or 0)
    try:
        cache.add(key, 0, timeout=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] * 10)
        deliveries = cache.incr(key)
    except Exception as exc:  # noqa: BLE001 (any cache failure: run the task rather than lose it)
        logger.warning("Could not count deliveries of %s[%s]: %s", task.name, request.id, exc)
        return
    if deliveries > settings.TASK_MAX_DELIVERIES:
        logger.error(
            "Task %s[%s] (retry %s) delivered %s times, more than TASK_MAX_DELIVERIES=%s; giving up",
            task.name,
            request.id,
            request.retries or 0,
            deliveries,
            settings.TASK_MAX_DELIVERIES,
        )
        raise Ignore()


class PortalTask(Task):
    """The base of every task here: the poison guard runs before the body of each delivery."""

    def __call__(self, *args, **kwargs):
        request = self.request_stack.top
        if request is None:  # called as a plain function (tests, shell): nothing was delivered
            return super().__call__(*args, **kwargs)
        poison_guard(self, request)
        return self.run(*args, **kwargs)


app = Celery("imvo_portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _logging_from_django(loglevel=None, **kwargs):
    """Workers and beat log like the web: Django's LOGGING (JSON lines, core/log_format.py), at the
    level given with ``-l``. A receiver of this signal makes Celery leave logging alone instead of
    adding its own text handlers."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
