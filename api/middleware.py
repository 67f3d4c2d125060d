"""Every answer under /api/: ``API-Version`` (NL API Design Rules: the full version in a header,
only the major version in the path) and ``Cache-Control: private, no-store`` (answers are for one
client's token; no shared cache or browser keeps them)."""

from django.utils.cache import patch_cache_control

from .constants import API_VERSION


class ApiVersionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["API-Version"] = API_VERSION
            patch_cache_control(response, private=True, no_store=True)
        return response
