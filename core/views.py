import sys

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from .health import health_report, liveness_report
from .metrics import metrics_allowed, metrics_text
from .outage import api_error_response, database_error_in, error_page, outage_response
from .page_cache import AnonymousPageCacheMixin
from .problems import is_api_request


@never_cache
@require_GET
def healthz(request):
    """Liveness: 200 ``{"status": "ok"}`` while the database answers, else 503. Nothing else is asked."""
    report, alive = liveness_report()
    return JsonResponse(report, status=200 if alive else 503)


@never_cache
@require_GET
def healthz_ready(request):
    """Readiness: database, cache, broker and worker; 200 (``ok`` or ``degraded``) while the database answers."""
    report, serving = health_report(max_age=settings.HEALTHZ_READY_CACHE_SECONDS)
    return JsonResponse(report, status=200 if serving else 503)


@never_cache
@require_GET
def metrics(request):
    """Prometheus metrics (``core.metrics``), for a bearer token or an allowed address only.

    Not configured (no ``METRICS_TOKEN``, no ``METRICS_ALLOWED_IPS``): 404, as if it did not exist.
    """
    allowed, status = metrics_allowed(request)
    if not allowed:
        if status == 404:
            raise Http404
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics_text()
    return HttpResponse(body, content_type=content_type)


@never_cache
@require_GET
def language_switch(request, language: str):
    """Store the chosen language in its cookie and go back to ``next`` (a same-site path only).

    A GET on purpose: the header's language links then need no form, so anonymous pages carry no
    CSRF token and set no cookie, and stay cacheable. It changes nothing but the visitor's own
    language preference (no session, no database), which is what ``/i18n/setlang/`` (POST, kept for
    forms and scripts) does too; a third-party page linking here can at worst switch the language.
    """
    if language not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    same_site = {request.get_host()}
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=same_site, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


class HomeView(AnonymousPageCacheMixin, TemplateView):
    template_name = "home.html"
    page_cache_namespace = "missions"


class PageView(TemplateView):
    """Static content pages (privacy, accessibility, contact)."""


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """500, or the database outage page (503, ``Retry-After``) when the database failed.

    Rendered without the request's context processors: they may ask the database, the very thing
    that may have failed. Both pages show the request id, to quote to the helpdesk, and say truly
    what became of a submitted form (``core.outage.form_outcome``).
    """
    if database_error_in(sys.exc_info()[1]):
        return outage_response(request)
    if is_api_request(request):
        return api_error_response(request, status=500)
    return error_page(request, template="500.html", status=500)
