"""Running a coroutine to completion from synchronous code, wherever that code runs.

pyHanko's API is asynchronous; the portal calls it from synchronous code with ``asyncio.run``,
which refuses when the calling thread already runs an event loop (an ASGI server, a test
driving a browser with Playwright's synchronous API). Then the coroutine runs in a helper thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def outside_event_loop(function: Callable[..., T], *args) -> T:
    """``function(*args)`` here, or in a helper thread when this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def run_coroutine(factory: Callable[[], object]):
    """``asyncio.run(factory())``, outside any event loop this thread runs (``outside_event_loop``).

    ``factory`` makes the coroutine where it runs, so it is never created in one loop's thread and
    awaited in another's."""
    return outside_event_loop(lambda: asyncio.run(factory()))
