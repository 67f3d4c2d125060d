"""On-commit callbacks as tests see them."""

from core.outage import RequestWrites


def queued(callbacks) -> list:
    """The on-commit callbacks that queue work, without the outage page's write tracking (core.outage)."""
    return [c for c in callbacks if not isinstance(getattr(c, "__self__", None), RequestWrites)]
