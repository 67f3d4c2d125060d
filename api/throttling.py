"""Rate limits per machine client (``API_RATE_LIMIT``) and on the token door (``API_TOKEN_RATE_LIMIT``)."""

import base64

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

# Several clients may share one gateway address: the per-address limit is this many times the
# per-client one.
IP_FACTOR = 10


class ClientRateThrottle(SimpleRateThrottle):
    """Keyed on the client, not on the IP address: two systems behind one gateway each get the
    full rate, one system spread over many addresses does not get more."""

    scope = "client"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        client = getattr(request, "api_client", None)
        if client is None:
            return None  # unauthenticated requests are refused before they cost anything
        return self.cache_format % {"scope": self.scope, "ident": client.client_id}


class TokenRateThrottle(SimpleRateThrottle):
    """The token endpoint checks a secret: limited per client id, and per IP address at ``IP_FACTOR``
    times that (several systems may share a gateway)."""

    scope = "token"

    def get_rate(self):
        return settings.API_TOKEN_RATE_LIMIT

    def keys(self, request) -> list[str]:
        client_id = (request.POST.get("client_id") or "")[:100]
        if not client_id:
            header = request.META.get("HTTP_AUTHORIZATION", "")
            if header.lower().startswith("basic "):
                try:
                    client_id = base64.b64decode(header[6:]).decode("utf-8").split(":", 1)[0][:100]
                except (ValueError, UnicodeDecodeError):
                    client_id = ""
        keys = [(self.cache_format % {"scope": "token-ip", "ident": self.get_ident(request)}, IP_FACTOR)]
        if client_id:
            keys.append((self.cache_format % {"scope": "token-client", "ident": client_id}, 1))
        return keys

    def allow(self, request) -> bool:
        """True while every key is under the rate; records the attempt on each."""
        if self.rate is None:
            return True
        allowed = True
        for key, factor in self.keys(request):
            self.key = key
            self.history = self.cache.get(key, [])
            self.now = self.timer()
            while self.history and self.history[-1] <= self.now - self.duration:
                self.history.pop()
            if len(self.history) >= self.num_requests * factor:
                allowed = False
                continue
            self.history.insert(0, self.now)
            self.cache.set(key, self.history, self.duration)
        return allowed
