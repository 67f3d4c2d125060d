"""Errors as RFC 9457 problem details (``application/problem+json``), titled in the language the
client asks for with ``Accept-Language`` (Dutch by default, English on request)."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.exceptions import DomainError
from core.outage import database_error_in, outage_detail
from core.problems import PROBLEM_CONTENT_TYPE, problem
from organisations.policies import NotAllowed

logger = logging.getLogger(__name__)


def _invalid_params(detail, prefix: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of ``{"name", "reason"}``."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            found += _invalid_params(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
        return found
    if isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            return [{"name": prefix, "reason": str(v)} for v in detail]
        found = []
        for index, value in enumerate(detail):
            found += _invalid_params(value, f"{prefix}[{index}]")
        return found
    return [{"name": prefix, "reason": str(detail)}]


def exception_handler(exc, context):
    """DRF's exception handler: every error is a problem, nothing else leaves the API."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers = {}
    invalid = None
    if isinstance(exc, NotAllowed):
        code, detail = 403, exc.message
    elif isinstance(exc, DomainError):
        code, detail = 409, exc.message
    elif isinstance(exc, ValidationError):
        code, detail = 400, " ".join(exc.messages)
    elif isinstance(exc, Http404):
        code, detail = 404, _("There is nothing at this address, or the client may not see it.")
    elif isinstance(exc, PermissionDenied):
        code, detail = 403, _("The client's scopes do not allow this operation.")
    elif isinstance(exc, exceptions.ValidationError):
        code, detail = 400, _("One or more parameters are not valid.")
        invalid = _invalid_params(exc.detail)
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = 401
        detail = (
            _("Send an access token: Authorization: Bearer <token>.")
            if isinstance(exc, exceptions.NotAuthenticated)
            else str(exc.detail)
        )
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    elif isinstance(exc, exceptions.PermissionDenied):
        code, detail = 403, _("The client's scopes do not allow this operation.")
    elif isinstance(exc, exceptions.Throttled):
        code = 429
        detail = _("This client sent too many requests; try again in %(seconds)s seconds.") % {
            "seconds": int(exc.wait or 1)
        }
        headers["Retry-After"] = str(int(exc.wait or 1))
    elif isinstance(exc, exceptions.APIException):
        code, detail = exc.status_code, str(exc.detail) if isinstance(exc.detail, str) else ""
    elif database_error_in(exc):
        logger.warning("API answered 503: the database is unreachable", exc_info=exc)
        code, detail = status.HTTP_503_SERVICE_UNAVAILABLE, outage_detail(request)
        headers["Retry-After"] = str(settings.DATABASE_OUTAGE_RETRY_AFTER)
    else:
        logger.exception("API error", exc_info=exc)
        code, detail = status.HTTP_500_INTERNAL_SERVER_ERROR, ""
    set_rollback()
    request_id = getattr(getattr(request, "_request", request), "request_id", "") if request is not None else ""
    return Response(
        problem(code, detail, instance=instance, invalid_params=invalid, request_id=request_id if code >= 500 else ""),
        status=code,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )


@csrf_exempt  # no session is ever used under /api/: a POST to a wrong address is a 404 too
def not_found(request, *args, **kwargs):
    """Any address under /api/v1/ that is no operation: a problem, not the portal's HTML page."""
    return JsonResponse(
        problem(404, _("There is no such operation in this API."), instance=request.path),
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
    )
