from celery import shared_task

from .retention import retention_erase as _retention_erase


@shared_task(name="privacy.tasks.retention_erase", acks_late=True)
def retention_erase() -> dict[str, int]:
    """Beat: erase personal data past its retention period (idempotent; safe to run twice)."""
    return _retention_erase()
