"""The shared race harness itself (tests/races.py): order, exceptions, start barrier, hangs, connections."""

import threading

import pytest

from tests import races


def test_results_come_back_in_call_order_with_exceptions_returned_not_raised():
    def fail():
        raise ValueError("lost the race")

    results = races.run_concurrently([lambda: 1, fail, lambda: 3])

    assert results[0] == 1 and results[2] == 3
    assert isinstance(results[1], ValueError) and results.errors == [results[1]]
    assert results.values == [1, 3]


def test_racers_start_only_once_every_thread_has_been_started(monkeypatch):
    started = []

    class CountingThread(threading.Thread):
        def start(self):
            started.append(self)
            super().start()

    monkeypatch.setattr(races.threading, "Thread", CountingThread)
    count = 6
    # Each racer sees how many threads existed when it ran: behind the barrier, always all of them.
    results = races.run_times(count, lambda: len(started))
    assert results.errors == [] and results == [count] * count


def test_a_racer_that_never_finishes_fails_the_test_instead_of_passing():
    release = threading.Event()
    before = set(threading.enumerate())
    try:
        with pytest.raises(AssertionError, match="still running"):
            races.run_concurrently([lambda: release.wait(30), lambda: None], timeout=0.5)
    finally:
        release.set()
        for thread in set(threading.enumerate()) - before:  # let the stuck racer end here, not in the next test
            thread.join(5)


def test_every_thread_closes_its_own_database_connection(monkeypatch):
    closed_by = []

    class Connection:
        def close(self):
            closed_by.append(threading.get_ident())

    monkeypatch.setattr(races, "connection", Connection())

    def boom():
        raise RuntimeError("x")

    results = races.run_times(3, lambda: threading.get_ident())
    failed = races.run_concurrently([boom])

    assert len(closed_by) == 4 and threading.get_ident() not in closed_by
    assert set(results) <= set(closed_by) and isinstance(failed[0], RuntimeError)


def test_without_the_barrier_racers_that_coordinate_themselves_still_run():
    ready = threading.Event()
    results = races.run_concurrently([lambda: ready.wait(5), ready.set], start_together=False, timeout=10)
    assert results == [True, None]
