"""Helpers for enqueueing Celery tasks safely."""

import logging

from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> bool:
    """Send a task now; a broker outage is logged, never raised to the user.

    Whatever the task would do must also be recoverable from the database (an outbox row,
    a pending rendition) so that beat picks it up once the broker is back.
    """
    try:
        task.delay(*args, **kwargs)
    except Exception as exc:  # kombu raises several unrelated types when the broker is down
        if task.app.conf.task_always_eager:
            raise
        logger.warning("Could not enqueue %s%r (%s: %s); beat will retry", task.name, args, type(exc).__name__, exc)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue a task once the surrounding transaction has committed."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))


def _transient_errors() -> tuple[type[BaseException], ...]:
    return (OSError, OperationalError, InterfaceError, BrokerError, RedisConnectionError, RedisTimeoutError)


#: Errors worth another try: the network, disk or storage (OSError, which includes ConnectionError
#: and TimeoutError), the database, the broker, Redis. Anything else (a template error, a bug, bad
#: content) fails at once: retrying cannot fix it, and staff see the error and can ask again.
TRANSIENT_ERRORS = _transient_errors()


def retry_countdown(retries: int, *, cap: int = 60) -> int:
    """Exponential back-off for the ``retries``-th retry: 2, 4, 8 … seconds, at most ``cap``."""
    return min(2 ** (retries + 1), cap)
