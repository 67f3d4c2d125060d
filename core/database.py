"""PostgreSQL that fails fast: a client-side limit on every wait for the server.

libpq's ``connect_timeout``, the server's ``statement_timeout`` and TCP keepalives (settings) cover
a server that refuses, a runaway query and a partition that drops packets. They do not cover a
connection that is up while nothing comes back (a proxy or load balancer that accepts and then
hangs, a server frozen mid-answer): libpq would wait for ever. So every wait for PostgreSQL goes
through ``wait_for_server`` (psycopg2's wait callback, installed by ``install()``), which gives up
after a limit. The limit is ``DATABASE_REQUEST_WAIT_TIMEOUT`` while a web request runs
(``core.outage.DatabaseOutageMiddleware``), ``HEALTHZ_DATABASE_TIMEOUT`` for ``/healthz`` and
``DATABASE_WAIT_TIMEOUT`` elsewhere (tasks, commands). A wait that times out closes the connection
(psycopg2 does that when the callback raises), so Django opens a fresh one next time.

Once a wait timed out inside a limit (``database_wait_limit``), further waits in that limit fail at
once: one request pays the timeout once, not once per middleware that asks the database.
"""

from __future__ import annotations

import contextvars
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2
from psycopg2 import extensions

_installed = False


@dataclass
class WaitLimit:
    seconds: float  # per wait; 0: no limit
    deadline: float | None = None  # time.monotonic() by which the whole block must be done
    timed_out: bool = False  # a connect timed out: the database is unreachable for this block


_limit: contextvars.ContextVar[WaitLimit | None] = contextvars.ContextVar("database_wait_limit", default=None)
_default_seconds = 0.0
_connect_seconds = 0.0


class DatabaseWaitTimeout(psycopg2.OperationalError):
    """PostgreSQL did not answer within the limit (Django raises it as ``OperationalError``)."""


def wait_for_server(conn) -> None:
    """psycopg2 wait callback: poll the connection until done, at most the current limit."""
    limit = _limit.get()
    seconds = limit.seconds if limit is not None else _default_seconds
    connecting = conn.status == extensions.STATUS_SETUP
    if connecting and _connect_seconds > 0:
        seconds = min(seconds, _connect_seconds) if seconds > 0 else _connect_seconds
    if limit is not None and limit.timed_out:
        raise DatabaseWaitTimeout("the database could not be reached earlier in this request; not asked again")
    deadline = time.monotonic() + seconds if seconds > 0 else None
    if limit is not None and limit.deadline is not None:
        deadline = limit.deadline if deadline is None else min(deadline, limit.deadline)
    fileno = conn.fileno()
    while True:
        state = conn.poll()
        if state == extensions.POLL_OK:
            return
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            # A query that timed out closes its connection (psycopg2), and the next attempt connects
            # afresh: an idle connection a firewall forgot is no outage. A connect that times out is.
            if limit is not None and (connecting or limit.deadline is not None):
                limit.timed_out = True
            raise DatabaseWaitTimeout(f"the database did not answer within {seconds:g} s")
        if state == extensions.POLL_READ:
            select.select([fileno], [], [], remaining)
        elif state == extensions.POLL_WRITE:
            select.select([], [fileno], [], remaining)
        else:  # pragma: no cover - psycopg2 only returns the states above
            raise psycopg2.OperationalError(f"bad state from poll: {state}")


def install(*, default_seconds: float, connect_seconds: float) -> None:
    """Route every psycopg2 wait through ``wait_for_server``: ``default_seconds`` outside limits,
    at most ``connect_seconds`` while connecting (libpq's own connect_timeout does not apply then)."""
    global _installed, _default_seconds, _connect_seconds
    _default_seconds, _connect_seconds = default_seconds, connect_seconds
    if not _installed:
        extensions.set_wait_callback(wait_for_server)
        _installed = True


@contextmanager
def wait_callback_lifted() -> Iterator[None]:
    """Without ``wait_for_server`` for a moment: psycopg2 refuses COPY while a wait callback is set.

    For bulk loads by commands (``dashboard/bulk.py``), never in a web request: the callback is
    process-wide, so other threads of the process wait without a limit meanwhile.
    """
    if not _installed:
        yield
        return
    extensions.set_wait_callback(None)
    try:
        yield
    finally:
        extensions.set_wait_callback(wait_for_server)


def set_default_wait(seconds: float) -> None:
    """The limit outside ``database_wait_limit`` blocks (a web process sets its request limit)."""
    global _default_seconds
    _default_seconds = seconds


@contextmanager
def database_wait_limit(seconds: float, *, total: bool = False) -> Iterator[WaitLimit]:
    """Within this block, each wait for PostgreSQL lasts at most ``seconds`` (0: no limit); with
    ``total``, all of them together (a health check that must answer within a second)."""
    limit = WaitLimit(seconds, deadline=time.monotonic() + seconds if total and seconds > 0 else None)
    token = _limit.set(limit)
    try:
        yield limit
    finally:
        _limit.reset(token)


def database_timed_out() -> bool:
    """Whether a wait timed out in the current limit (the database is unreachable for this request)."""
    limit = _limit.get()
    return bool(limit and limit.timed_out)
