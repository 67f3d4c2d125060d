"""One JSON log line per request (logger ``imvo.request``) and the request metrics.

The line names the route as the URL configuration spells it (``missions/<slug:slug>/``), never the
raw path with its ids and tokens; the user by id, never by e-mail address. The user is read only
if authentication already loaded it for this request: logging must not ask the database (it may
be the reason the request failed).
"""

from __future__ import annotations

import logging
import time

from . import metrics
from .log_format import log_context

logger = logging.getLogger("imvo.request")

UNRESOLVED_ROUTE = "<unresolved>"


def request_user_id(request) -> int | None:
    """The id of the request's user if it is already known (no database access), else None."""
    user = getattr(request, "_cached_user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    return None


def request_route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.route or match.view_name or UNRESOLVED_ROUTE) if match else UNRESOLVED_ROUTE


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        token = log_context.set(
            {"request_id": getattr(request, "request_id", None), "user_id": lambda: request_user_id(request)}
        )
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            route = request_route(request)
            metrics.request_observed(request.method, route, response.status_code, duration)
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                route,
                response.status_code,
                duration * 1000,
                extra={
                    "http": {
                        "method": request.method,
                        "route": route,
                        "status": response.status_code,
                        "duration_ms": round(duration * 1000, 1),
                    }
                },
            )
            return response
        finally:
            log_context.reset(token)
