"""Brochure tasks: render a rendition (the only place PDFs are made) and re-queue lost ones."""

import logging
import traceback

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

# Worth another try: the database or storage hiccuped. Anything else is a fault in the content
# or the template, kept on the rendition for staff.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    soft_time_limit=90,
    time_limit=120,
)
def rendition_render(self, rendition_id: int) -> str | None:
    try:
        rendition = services.rendition_render(rendition_id=rendition_id)
    except TRANSIENT_ERRORS as exc:
        services.rendition_release(rendition_id=rendition_id, error=f"{exc.__class__.__name__}: {exc}", failed=False)
        countdown = min(2 ** (self.request.retries + 1), 60)
        raise self.retry(exc=exc, countdown=countdown) from exc
    except SoftTimeLimitExceeded:
        services.rendition_release(rendition_id=rendition_id, error="Time limit exceeded while rendering.", failed=True)
        return "failed"
    except Exception as exc:
        logger.exception("Rendering rendition %s failed", rendition_id)
        services.rendition_release(
            rendition_id=rendition_id, error="".join(traceback.format_exception_only(exc)).strip(), failed=True
        )
        return "failed"
    return rendition.status if rendition else None


@shared_task
def renditions_queue_missing() -> int:
    """Beat: create missing renditions and re-queue pending or abandoned ones."""
    return services.renditions_queue_missing()


@shared_task
def read_counts_flush() -> int:
    """Move the buffered read counts into the database (beat, every minute)."""
    from .counters import read_counts_flush as flush

    return flush()
