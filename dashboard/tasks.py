from celery import shared_task

from .services import rollups_refresh as _rollups_refresh


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def rollups_refresh() -> int:
    """Beat task (every 5 minutes): rebuild the dashboard rollups; returns the number of facts."""
    return _rollups_refresh().facts


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def release_publish_if_due() -> int | None:
    """Beat task (hourly): publish this period's release of the ministry's figures once; returns its number."""
    from .releases import release_publish_if_due as publish

    release = publish()
    return release.number if release else None
