"""core/aio.py: a coroutine runs to completion from synchronous code, in a running loop or not.

Each scenario runs in a thread of its own: the test process's main thread may itself run an event
loop (Playwright's synchronous API does, once a browser test has run in this process), which is
the very case ``run_coroutine`` exists for.
"""

import asyncio
import concurrent.futures
import threading

from core.aio import outside_event_loop, run_coroutine


async def _answer(value):
    await asyncio.sleep(0)
    return value, threading.get_ident()


def _in_a_fresh_thread(function):
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def test_without_a_running_loop_it_runs_in_this_thread():
    def scenario():
        return run_coroutine(lambda: _answer(42)), threading.get_ident()

    (value, coroutine_thread), caller_thread = _in_a_fresh_thread(scenario)
    assert value == 42 and coroutine_thread == caller_thread


def test_inside_a_running_loop_it_runs_in_a_helper_thread():
    async def main():
        # Synchronous code called from within a loop (as under Playwright's sync API or ASGI):
        # a bare asyncio.run here raises RuntimeError.
        refused = _answer(0)
        try:
            asyncio.run(refused)
        except RuntimeError:
            refused.close()
        else:
            raise AssertionError("asyncio.run inside a running loop should refuse")
        return run_coroutine(lambda: _answer(7)), outside_event_loop(threading.get_ident), threading.get_ident()

    (value, coroutine_thread), helper_thread, loop_thread = _in_a_fresh_thread(lambda: asyncio.run(main()))
    assert value == 7
    assert coroutine_thread != loop_thread and helper_thread != loop_thread
