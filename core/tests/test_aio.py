"""core/aio.py: a coroutine runs to completion from synchronous code, in a running loop or not."""

import asyncio
import threading

from core.aio import outside_event_loop, run_coroutine


async def _answer(value):
    await asyncio.sleep(0)
    return value, threading.get_ident()


def test_without_a_running_loop_it_runs_in_this_thread():
    value, thread = run_coroutine(lambda: _answer(42))
    assert value == 42 and thread == threading.get_ident()


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

    (value, coroutine_thread), helper_thread, loop_thread = asyncio.run(main())
    assert value == 7
    assert coroutine_thread != loop_thread and helper_thread != loop_thread
