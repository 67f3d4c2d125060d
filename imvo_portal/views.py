from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from .health import health_report, liveness_report


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


class HomeView(TemplateView):
    template_name = "home.html"


class PageView(TemplateView):
    """Static content pages (privacy, accessibility, contact)."""


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
