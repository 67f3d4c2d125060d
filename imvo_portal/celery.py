"""The portal's Celery app. Tasks take ids, are enqueued on commit and are idempotent."""

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imvo_portal.settings")

app = Celery("imvo_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _give_up_on_poison_tasks(task_id=None, task=None, **kwargs):
    """Refuse a task that was redelivered too often (it keeps killing its worker).

    ``task_reject_on_worker_lost`` redelivers a task whose worker died; without a cap a task
    that crashes the worker would loop for ever. Redis keeps no delivery count, so we count
    deliveries per task id in the cache.
    """
    from django.conf import settings
    from django.core.cache import cache

    if task is None or task.request.is_eager:
        return
    key = f"celery-deliveries:{task_id}"
    try:
        cache.add(key, 0, timeout=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] * 10)
        deliveries = cache.incr(key)
    except Exception:  # the cache is best effort here
        return
    if deliveries > settings.TASK_MAX_DELIVERIES:
        import logging

        from celery.exceptions import Ignore

        logging.getLogger(__name__).error("Task %s (%s) delivered %s times; giving up", task.name, task_id, deliveries)
        raise Ignore()
