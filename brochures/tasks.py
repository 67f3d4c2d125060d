"""Brochure tasks: render a rendition (the only place PDFs are made) and re-queue lost ones."""

import logging
import traceback
import uuid

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready

from core.tasks import TRANSIENT_ERRORS, enqueue, retry_countdown

from . import counters, services
from .exceptions import InvalidContent

logger = logging.getLogger(__name__)

#: How often a render waits for another worker's lease before giving up to beat. A live lease
#: lasts at most the holder's hard time limit, so a few waits of one lease each are enough.
LEASE_WAIT_MAX_RETRIES = 20


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    soft_time_limit=90,
    time_limit=120,
)
def rendition_render(self, rendition_id: int) -> str | None:
    """Render one rendition. Transient errors retry; bad content, a template error or a bug fail it."""
    token = uuid.uuid4().hex  # the claim this delivery takes; only it may release the rendition
    try:
        rendition = services.rendition_render(rendition_id=rendition_id, token=token)
    except services.RenditionBusy as busy:
        # Another worker's lease: a duplicate of a live render, or the render of a worker that
        # was just killed. Try again once that lease may have run out.
        raise self.retry(countdown=busy.retry_in, max_retries=LEASE_WAIT_MAX_RETRIES) from None
    except TRANSIENT_ERRORS as exc:
        services.rendition_release(
            rendition_id=rendition_id, error=f"{exc.__class__.__name__}: {exc}", failed=False, token=token
        )
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        services.rendition_release(
            rendition_id=rendition_id, error="Time limit exceeded while rendering.", failed=True, token=token
        )
        return "failed"
    except InvalidContent as exc:  # e.g. too large to render: refused before WeasyPrint ran
        logger.warning("Rendition %s refused: %s", rendition_id, exc)
        services.rendition_release(rendition_id=rendition_id, error=str(exc), failed=True, token=token)
        return "failed"
    except Exception as exc:
        logger.exception("Rendering rendition %s failed", rendition_id)
        services.rendition_release(
            rendition_id=rendition_id,
            error="".join(traceback.format_exception_only(exc)).strip(),
            failed=True,
            token=token,
        )
        return "failed"
    return rendition.status if rendition else None


@shared_task
def renditions_queue_missing() -> int:
    """Beat: create missing renditions and re-queue pending or abandoned ones."""
    return services.renditions_queue_missing()


@shared_task
def renditions_resume() -> int:
    """A worker started: queue every unfinished rendition (see services.renditions_resume)."""
    return services.renditions_resume()


@worker_ready.connect
def _resume_renditions_when_a_worker_starts(sender=None, **kwargs) -> None:
    """A render whose whole worker was killed continues as soon as a worker is back, beat or not.

    (When only the pool process dies, ``reject_on_worker_lost`` redelivers the message at once;
    when the whole worker dies, the broker keeps it unacknowledged for the visibility timeout.)
    """
    enqueue(renditions_resume)


@shared_task
def read_counts_flush() -> int:
    """Move the buffered read counts into the database (beat, every minute)."""
    return counters.read_counts_flush()


@shared_task(bind=True, max_retries=5, acks_late=True)
def instrument_brochure_refresh(self, instrument_id: int) -> str:
    """Publish the instrument's IMVO brochure again if its content changed (then its PDF is asked for)."""
    from instruments.models import Instrument

    from .instrument_pack import instrument_brochure_publish

    instrument = Instrument.objects.filter(pk=instrument_id).first()
    if instrument is None:
        return "gone"
    try:
        # Without a broker (eager, local use) the PDF is made on its first download instead of here.
        instrument_brochure_publish(instrument=instrument, request_rendition=not self.app.conf.task_always_eager)
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
    return "ok"


@shared_task(soft_time_limit=900, time_limit=960)
def instrument_brochures_refresh_all(actor_id: int | None = None) -> dict:
    """Staff action "render all": refresh every instrument's IMVO brochure; failures are reported."""
    from accounts.models import User

    from .instrument_pack import instrument_brochures_publish_all

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    result = instrument_brochures_publish_all(actor=actor)
    return {"published": result.published, "failed": result.failed}
