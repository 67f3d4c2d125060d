"""RFC 9457 problem details (``application/problem+json``): the body every error under ``/api/``
has, whether DRF's exception handler answers it or the project's 500 handler does (a database
outage in a middleware, before any view ran). Titles follow the request's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

PROBLEM_CONTENT_TYPE = "application/problem+json"
#: Requests under this path are answered with problems, never with the portal's HTML pages.
API_PATH_PREFIX = "/api/"


def problem_title(code: int) -> str:
    titles = {
        400: _("The request is not valid"),
        401: _("Authentication is needed"),
        403: _("No access"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict with the current state"),
        410: _("No longer available"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
        500: _("Internal server error"),
        503: _("Temporarily unavailable"),
    }
    return titles.get(code, _("Error"))


def problem(code: int, detail: str = "", *, instance: str = "", invalid_params=None, **extensions) -> dict:
    """The problem body for HTTP status ``code``; ``extensions`` become extra members (RFC 9457 §3.2)."""
    body = {"type": "about:blank", "title": problem_title(code), "status": code}
    if detail:
        body["detail"] = str(detail)
    if instance:
        body["instance"] = instance
    if invalid_params:
        body["invalid_params"] = invalid_params
    body.update({key: value for key, value in extensions.items() if value not in (None, "")})
    return body


def is_api_request(request) -> bool:
    return request.path.startswith(API_PATH_PREFIX)
