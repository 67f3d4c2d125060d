"""Errors as RFC 9457 problem details (``application/problem+json``), titled in the language the
client asks for with ``Accept-Language`` (Dutch by default, English on request)."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.exceptions import DomainError
from organisations.policies import NotAllowed

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_title(code: int) -> str:
    titles = {
        400: _("The request is not valid"),
        401: _("Authentication is needed"),
        403: _("No access"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict with the current state"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
        500: _("Internal server error"),
    }
    return titles.get(code, _("Error"))


def problem(code: int, detail: str = "", *, instance: str = "", invalid_params=None) -> dict:
    body = {"type": "about:blank", "title": problem_title(code), "status": code}
    if detail:
        body["detail"] = str(detail)
    if instance:
        body["instance"] = instance
    if invalid_params:
        body["invalid_params"] = invalid_params
    return body


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
    else:
        logger.exception("API error", exc_info=exc)
        code, detail = status.HTTP_500_INTERNAL_SERVER_ERROR, ""
    set_rollback()
    return Response(
        problem(code, detail, instance=instance, invalid_params=invalid),
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
