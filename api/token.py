"""The token endpoint (OAuth 2 client credentials), with the portal's limits on a door that checks
a secret (``API_TOKEN_RATE_LIMIT`` per client id and per IP address) and an audit-free answer:
tokens are short-lived (``API_TOKEN_SECONDS``) and stored only as their hash."""

from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import TokenView as OAuthTokenView

from core.problems import PROBLEM_CONTENT_TYPE, problem

from .throttling import TokenRateThrottle


@method_decorator(csrf_exempt, name="dispatch")  # a machine endpoint, authenticated by the client secret
class TokenView(OAuthTokenView):
    def post(self, request, *args, **kwargs):
        if request.GET.get("client_secret"):
            # No secrets in URLs: refuse rather than let it sit in logs unnoticed.
            return JsonResponse(
                problem(400, _("Send the client secret in the body or the Authorization header, never in the URL.")),
                status=400,
                content_type=PROBLEM_CONTENT_TYPE,
            )
        throttle = TokenRateThrottle()
        if not throttle.allow(request):
            response = JsonResponse(
                problem(429, _("Too many token requests; try again in a minute.")),
                status=429,
                content_type=PROBLEM_CONTENT_TYPE,
            )
            response["Retry-After"] = "60"
            return response
        return super().post(request, *args, **kwargs)
