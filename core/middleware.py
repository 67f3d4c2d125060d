"""Request ids and the portal's language choice (session limits: ``accounts.session_limits``)."""

import re
import uuid

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (``request.request_id``), echoed in the ``X-Request-ID`` header.

    An id sent by one of our own proxies (``TRUSTED_PROXIES``) is kept, so log lines of the proxy
    and the portal can be matched; from anyone else it is replaced.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        trusted = request.META.get("REMOTE_ADDR") in settings.TRUSTED_PROXIES
        request.request_id = incoming if trusted and _REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class PortalLocaleMiddleware(LocaleMiddleware):
    """The language the visitor chose with the switch (cookie), else the browser's language.

    A visitor who has not chosen gets the best match from ``Accept-Language`` (``en-GB`` gives
    English); Dutch when the browser asks for neither language. URLs carry no language prefix.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
