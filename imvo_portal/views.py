from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from .health import health_report


@never_cache
@require_GET
def healthz(request):
    """JSON with the state of database, broker and worker; 200 while the database answers."""
    report, healthy = health_report()
    report["status"] = "ok" if healthy else "error"
    return JsonResponse(report, status=200 if healthy else 503)


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
