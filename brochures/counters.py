"""Counting online reads and PDF downloads, buffered in Redis when the portal has one.

A cached PDF download should cost about what serving a static file costs; a database write per
download (an UPDATE and a commit) would dominate it. With Redis, a process holds its reads for
at most a second (``_Held``) and sends them as HINCRBYs without waiting for the answer
(``_Sender``), and beat's ``read_counts_flush`` moves the totals
into ``BrochureDailyCount`` every minute (the dashboard rolls up every five minutes anyway).
Without Redis (the embedded default), or when Redis does not answer, the read is written to the
database directly, so nothing is lost; after a failure Redis is skipped for a few seconds
(``core.cache.redis_breaker``), so a download pays the timeout once, not on every read.
"""

import atexit
import os
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.cache import redis_breaker

from .models import BrochureVersion
from .services import brochure_read_count

BUFFER_KEY = "imvo:brochure-reads"
FLUSHING_PREFIX = f"{BUFFER_KEY}:flushing:"
LOCK_KEY = f"{BUFFER_KEY}:lock"


CONNECT_TIMEOUT = 0.3
SEND_TIMEOUT = 0.5


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=SEND_TIMEOUT)


def _buffer() -> redis.Redis | None:
    url = settings.BROCHURE_COUNT_BUFFER_URL
    return _client(url) if url else None


class _Sender:
    """One connection per process to the buffer, with ``CLIENT REPLY OFF``: a count is written to
    the socket and not waited for.

    A download should cost what serving a static file costs; waiting for Redis's "OK" was most of
    what a cached PDF download cost beyond that. Redis executes one connection's commands in order,
    so ``sync`` (``CLIENT REPLY ON``, whose answer comes after everything sent before it) makes
    this process's counts visible before a flush. A send that fails (Redis away or too slow:
    ``SEND_TIMEOUT``) raises, and the caller counts in the database instead. What this gives up: a
    count written just as Redis restarts can be lost without an error (the first write into a socket
    the server has closed still succeeds; the next one fails and reconnects), at most one per
    process per restart.
    """

    def __init__(self, url: str):
        self.url = url
        self._lock = threading.Lock()
        self._connection = None
        self._pid = 0

    def _connected(self):
        if self._connection is None or self._pid != os.getpid():  # a forked worker makes its own
            pool = redis.ConnectionPool.from_url(
                self.url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=SEND_TIMEOUT
            )
            connection = pool.make_connection()
            connection.connect()
            connection.send_command("CLIENT", "REPLY", "OFF")
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.disconnect()
        self._connection = None

    def sync(self) -> None:
        """Wait until Redis has executed every count this process sent."""
        with self._lock:
            if self._connection is None or self._pid != os.getpid():
                return
            try:
                self._connection.send_command("CLIENT", "REPLY", "ON")
                self._connection.read_response()
            finally:
                self._drop()

    def send_many(self, commands: list[tuple]) -> bool:
        with self._lock:
            try:
                connection = self._connected()
                connection.send_packed_command(connection.pack_commands(commands))
            except Exception:
                self._drop()
                raise
        return True


_senders: dict[str, _Sender] = {}


def _sender(url: str) -> _Sender:
    return _senders.setdefault(url, _Sender(url))


#: Reads are held in the process and sent to Redis together: at most ``HOLD_SECONDS`` after the
#: first of them (a timer), at once when ``HOLD_READS`` are held, and at exit.
HOLD_SECONDS = 1.0
HOLD_READS = 100


@dataclass(frozen=True)
class _Read:
    day: date
    version_id: int
    brochure_id: int
    language: str
    channel: str
    organisation_id: int | None

    @property
    def field(self) -> str:
        return f"{self.day.isoformat()}|{self.version_id}|{self.channel}|{self.organisation_id or ''}"


class _Held:
    """This process's reads not yet sent to Redis.

    Each read sent on its own cost a download a wake-up of Redis on a machine whose cores serve the
    downloads; held for at most a second, a busy process sends one packet per second instead.
    What this gives up: the reads of the last second of a process killed without warning (SIGKILL,
    out of memory). A normal stop (gunicorn's graceful restart, ``max_requests``) sends them at exit.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._reads: Counter = Counter()
        self._held = 0
        self._timer: threading.Timer | None = None
        self._pid = os.getpid()

    def add(self, read: _Read) -> None:
        with self._lock:
            if self._pid != os.getpid():  # a forked worker starts with nothing held
                self._reads, self._held, self._timer, self._pid = Counter(), 0, None, os.getpid()
            self._reads[read] += 1
            self._held += 1
            full = self._held >= HOLD_READS
            if not full and self._timer is None:
                self._timer = threading.Timer(HOLD_SECONDS, self.send, kwargs={"in_timer": True})
                self._timer.daemon = True
                self._timer.start()
        if full:
            self.send()

    def send(self, *, in_timer: bool = False) -> int:
        """Send what is held (to Redis; to the database when Redis does not take it). Returns the reads sent."""
        with self._lock:
            if self._pid != os.getpid():
                return 0
            reads, self._reads, self._held = self._reads, Counter(), 0
            if self._timer is not None and not in_timer:
                self._timer.cancel()
            self._timer = None
        if not reads:
            return 0
        url = settings.BROCHURE_COUNT_BUFFER_URL
        if url:
            commands = [("HINCRBY", BUFFER_KEY, read.field, count) for read, count in reads.items()]
            sender = _sender(url)
            if redis_breaker(url).call("brochure read counts", lambda: sender.send_many(commands), lambda: False):
                return sum(reads.values())
        try:
            for read, count in reads.items():
                brochure_read_count(
                    version=BrochureVersion(pk=read.version_id, brochure_id=read.brochure_id, language=read.language),
                    channel=read.channel,
                    organisation_id=read.organisation_id,
                    amount=count,
                    day=read.day,
                )
        finally:
            if in_timer:  # the timer's thread has a database connection of its own
                connection.close()
        return sum(reads.values())


_held = _Held()
atexit.register(_held.send)


def reads_send() -> int:
    """Send this process's held reads now (tests, a flush, the end of a process)."""
    return _held.send()


def brochure_read_record(*, version: BrochureVersion, channel: str, organisation_id: int | None) -> None:
    """Count one read of a published version (held briefly and buffered in Redis when possible)."""
    if settings.BROCHURE_COUNT_BUFFER_URL:
        _held.add(
            _Read(
                day=timezone.localdate(),
                version_id=version.pk,
                brochure_id=version.brochure_id,
                language=version.language,
                channel=channel,
                organisation_id=organisation_id,
            )
        )
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
    try:
        reads_send()
        _sender(settings.BROCHURE_COUNT_BUFFER_URL).sync()  # this process's counts are in the buffer
    except redis.RedisError:
        pass  # not sent yet or lost with the connection; others are taken by the next flush
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
