"""The database outage page: 503 with ``Retry-After``, for every user, saying what became of the form.

While PostgreSQL is unreachable, the first thing that fails is usually not a view but a middleware
(the session of a logged-in user, the user behind it, the second factor). Django turns that
exception into the 500 handler's response (``core.views.server_error``); rendering the usual
templates there would ask the database again (context processors) and fail for good. So
``server_error`` asks ``database_error_in(exc_info)`` and answers ``outage_response``: a static
template rendered without the request, hence without any database access.

What the page says about the form is what ``RequestWrites`` saw in this request:

* a GET (or HEAD, OPTIONS): nothing was sent;
* a POST in which no write could have reached the database (none was attempted, or each was
  inside a transaction that then failed before its commit): not stored, submit it again;
* anything else (a write committed, a commit cut off midway, a write outside a transaction):
  we cannot tell; check before submitting again. Never "nothing was lost" when that is unknown.
"""

from __future__ import annotations

import contextvars
import sys
from types import TracebackType

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from .database import DatabaseWaitTimeout, database_wait_limit
from .problems import PROBLEM_CONTENT_TYPE, is_api_request, problem

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET ", "SHOW", "BEGIN", "START TRA")

NOTHING_SENT = "nothing_sent"
NOT_STORED = "not_stored"
UNKNOWN = "unknown"


class RequestWrites:
    """Database execute wrapper: whether a write of this request may have been stored."""

    def __init__(self):
        self.maybe_stored = False

    def _committed(self) -> None:
        self.maybe_stored = True

    def __call__(self, execute, sql, params, many, context):
        if not sql.lstrip()[:9].upper().startswith(_READS):
            db = context["connection"]
            if db.in_atomic_block:
                db.on_commit(self._committed)  # rolled back: never called
            else:
                self.maybe_stored = True  # autocommit: stored once sent, even if the answer is lost
        return execute(sql, params, many, context)


_writes: contextvars.ContextVar[RequestWrites | None] = contextvars.ContextVar("request_writes", default=None)


class DatabaseOutageMiddleware:
    """Limits each wait for the database in a request, and watches what the request writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes = RequestWrites()
        token = _writes.set(writes)
        try:
            with database_wait_limit(settings.DATABASE_REQUEST_WAIT_TIMEOUT), connection.execute_wrapper(writes):
                return self.get_response(request)
        finally:
            _writes.reset(token)


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def database_error_in(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) means the database is unreachable or gave up."""
    return any(isinstance(e, (OperationalError, InterfaceError, DatabaseWaitTimeout)) for e in _chain(exc))


def _commit_cut_off(tb: TracebackType | None) -> bool:
    """Whether the failure happened while a COMMIT was under way (its outcome is then unknown)."""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name in ("commit", "_commit") and "django/db/backends" in code.co_filename.replace("\\", "/"):
            return True
        tb = tb.tb_next
    return False


def form_outcome(request) -> str:
    """``NOTHING_SENT``, ``NOT_STORED`` or ``UNKNOWN`` for the request being answered now."""
    if request.method in SAFE_METHODS:
        return NOTHING_SENT
    writes = _writes.get()
    exc = sys.exc_info()[1]
    if writes is None or writes.maybe_stored or any(_commit_cut_off(e.__traceback__) for e in _chain(exc)):
        return UNKNOWN
    return NOT_STORED


def error_page(request, *, template: str, status: int) -> HttpResponse:
    """A static error page (no request context, so no database access) with the request id."""
    context = {
        "request_id": getattr(request, "request_id", ""),
        "outcome": form_outcome(request),
        "retry_after": settings.DATABASE_OUTAGE_RETRY_AFTER,
    }
    response = HttpResponse(render_to_string(template, context), status=status)
    add_never_cache_headers(response)
    return response


def outage_detail(request) -> str:
    """For an API client: the outage, and what became of its request (``form_outcome``'s words)."""
    outcome = form_outcome(request) if request is not None else UNKNOWN
    seconds = settings.DATABASE_OUTAGE_RETRY_AFTER
    if outcome == NOTHING_SENT:
        said = _("Nothing was changed.")
    elif outcome == NOT_STORED:
        said = _("The request was NOT stored; send it again later.")
    else:
        said = _("We cannot tell whether the request was stored; read the resource before sending it again.")
    return (
        _("The portal's database cannot be reached; try again in %(seconds)s seconds.") % {"seconds": seconds}
        + " "
        + said
    )


def api_error_response(request, *, status: int) -> JsonResponse:
    """The 500 or 503 of a request under ``/api/``: a problem, with the request id to quote."""
    detail = outage_detail(request) if status == 503 else ""
    response = JsonResponse(
        problem(status, detail, instance=request.path, request_id=getattr(request, "request_id", "")),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    add_never_cache_headers(response)
    if status == 503:
        response["Retry-After"] = str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    return response


def outage_response(request) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(request, status=503)
    response = error_page(request, template="503_database.html", status=503)
    response["Retry-After"] = str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    return response
