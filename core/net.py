"""The client's IP address, trusting forwarded headers only from configured proxies."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    if remote and remote in settings.TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The right-most address not added by one of our own proxies is the client.
        for candidate in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
            if candidate in settings.TRUSTED_PROXIES:
                continue
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                break
    return remote


def client_ip_for_axes(request: HttpRequest) -> str | None:
    return client_ip(request)


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]
