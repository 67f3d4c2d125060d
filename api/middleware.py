"""``API-Version`` on every answer under /api/ (NL API Design Rules: the full version in a header,
only the major version in the path)."""

from .constants import API_VERSION


class ApiVersionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["API-Version"] = API_VERSION
        return response
