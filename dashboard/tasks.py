from celery import shared_task

from .services import rollups_refresh as _rollups_refresh


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def rollups_refresh() -> int:
    """Beat task (every 5 minutes): rebuild the dashboard rollups; returns the number of facts."""
    return _rollups_refresh().facts
