"""One harness for race tests: run callables in threads that start together, collect what each did.

Each thread gets its own database connection (Django opens one per thread) and closes it when the
callable is done, so PostgreSQL sees real concurrent sessions and the test database can be dropped
afterwards. Race tests need ``@pytest.mark.django_db(transaction=True)``: a thread does not see
the test's uncommitted transaction.

    results = run_concurrently([partial(registration_submit, registration=r, actor=u) for r, u in drafts])
    assert results.errors == []
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection


class RaceResults(list):
    """One entry per callable, in the order given: its return value or the exception it raised."""

    @property
    def errors(self) -> list[BaseException]:
        return [result for result in self if isinstance(result, BaseException)]

    @property
    def values(self) -> list[Any]:
        return [result for result in self if not isinstance(result, BaseException)]


_PENDING = object()


def run_concurrently(
    calls: Sequence[Callable[[], Any]],
    *,
    timeout: float = 120.0,
    start_together: bool = True,
) -> RaceResults:
    """Run every callable in its own thread and wait for all of them.

    ``start_together`` holds every thread at a barrier until all have started, so they hit the
    database at the same moment; pass ``False`` when the callables coordinate among themselves
    (an ``Event``, a lock held on purpose). Exceptions are returned, not raised, so a test can
    assert which of the racers lost. A thread still running after ``timeout`` seconds fails the
    test: a race that deadlocks must not look like one that passed.
    """
    barrier = threading.Barrier(len(calls)) if start_together and calls else None
    results: list[Any] = [_PENDING] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=timeout)
            results[index] = call()
        except BaseException as exc:  # returned to the test, which asserts on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    hanging = [i for i, thread in enumerate(threads) if thread.is_alive()]
    if hanging:
        raise AssertionError(f"racers {hanging} still running after {timeout} s (deadlock?)")
    return RaceResults(results)


def run_times(count: int, call: Callable[[], Any], **options: Any) -> RaceResults:
    """``count`` threads all running the same callable (``options`` as for ``run_concurrently``)."""
    return run_concurrently([call] * count, **options)
