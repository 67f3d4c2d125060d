"""Counting online reads and PDF downloads, buffered in Redis when the portal has one.

A cached PDF download should cost about what serving a static file costs; a database write per
download (an UPDATE and a commit) would dominate it. With Redis each read is one HINCRBY, and
beat's ``read_counts_flush`` moves the totals into ``BrochureDailyCount`` every minute (the
dashboard rolls up every five minutes anyway). Without Redis (the embedded default), or when
Redis does not answer, the read is written to the database directly, so nothing is lost; after
a failure Redis is skipped for a few seconds (``imvo_portal.cache.redis_breaker``), so a
download pays the timeout once, not on every read.
"""

import uuid
from datetime import date
from functools import lru_cache

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imvo_portal.cache import redis_breaker

from .models import BrochureVersion
from .services import brochure_read_count

BUFFER_KEY = "imvo:brochure-reads"
FLUSHING_PREFIX = f"{BUFFER_KEY}:flushing:"
LOCK_KEY = f"{BUFFER_KEY}:lock"


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.3, socket_timeout=0.5)


def _buffer() -> redis.Redis | None:
    url = settings.BROCHURE_COUNT_BUFFER_URL
    return _client(url) if url else None


def brochure_read_record(*, version: BrochureVersion, channel: str, organisation_id: int | None) -> None:
    """Count one read of a published version (buffered when possible)."""
    client = _buffer()
    if client is not None:
        field = f"{timezone.localdate().isoformat()}|{version.pk}|{channel}|{organisation_id or ''}"
        buffered = redis_breaker(settings.BROCHURE_COUNT_BUFFER_URL).call(
            "a brochure read count", lambda: client.hincrby(BUFFER_KEY, field, 1) > 0, lambda: False
        )
        if buffered:
            return
    brochure_read_count(version=version, channel=channel, organisation_id=organisation_id)


def read_counts_flush() -> int:
    """Move buffered counts into the database. Returns the number of reads moved.

    The buffer is renamed first, so new reads go into a fresh hash while this one is written;
    a flush that died half-way leaves its renamed hash, which the next flush picks up.
    """
    client = _buffer()
    if client is None:
        return 0
    if not client.set(LOCK_KEY, "1", nx=True, ex=55):
        return 0  # another flush is running
    moved = 0
    try:
        try:
            client.rename(BUFFER_KEY, f"{FLUSHING_PREFIX}{uuid.uuid4().hex}")
        except redis.ResponseError:
            pass  # nothing buffered since the last flush
        for key in client.scan_iter(f"{FLUSHING_PREFIX}*"):
            entries = []
            for field, count in client.hgetall(key).items():
                day, version_id, channel, organisation_id = field.decode().split("|")
                entries.append(
                    (date.fromisoformat(day), int(version_id), channel, int(organisation_id or 0) or None, int(count))
                )
            versions = BrochureVersion.objects.in_bulk({entry[1] for entry in entries})
            with transaction.atomic():
                for day, version_id, channel, organisation_id, count in entries:
                    if version_id in versions:
                        brochure_read_count(
                            version=versions[version_id],
                            channel=channel,
                            organisation_id=organisation_id,
                            amount=count,
                            day=day,
                        )
                        moved += count
            client.delete(key)
    finally:
        client.delete(LOCK_KEY)
    return moved
