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


# --- Outgoing requests to addresses someone else chose (webhooks) ---------------------------------
#
# The portal calls URLs that staff type in (webhook endpoints). Such a URL must never reach the
# portal's own network: loopback, private ranges, link-local (cloud metadata at 169.254.169.254),
# carrier-grade NAT, multicast, reserved and unspecified addresses are refused, for IPv4 and IPv6
# (also IPv4 written inside IPv6). The host is resolved ONCE, every address it resolves to is
# checked, and the connection goes to that checked address (the TLS handshake still names and
# verifies the host): a DNS answer that changes between check and connect (DNS rebinding) cannot
# send the request elsewhere.


class UnsafeAddress(ValueError):
    """The host resolves to an address outgoing requests may not reach."""


def address_is_public(address: str) -> bool:
    """Whether ``address`` is a globally routable unicast address (not private, loopback,
    link-local, shared, multicast, reserved or unspecified)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not address_is_public(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast and not ip.is_reserved and not ip.is_unspecified


def resolve_public(host: str, port: int, *, allowed: frozenset[str] = frozenset()) -> str:
    """Resolve ``host`` once and return the address to connect to.

    Refuses (``UnsafeAddress``) when ANY address the host resolves to is not public, unless that
    exact address is in ``allowed`` (tests only: a receiver on the loopback). A name that does not
    resolve raises ``socket.gaierror`` (an ``OSError``: DNS may be down for a while).
    Connect to the returned address, never to the name again.
    """
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:
        raise UnsafeAddress(f"{host} is not a valid host name") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise socket.gaierror(f"{host} does not resolve")
    for address in addresses:
        if address not in allowed and not address_is_public(address):
            raise UnsafeAddress(f"{host} resolves to {address}, a non-public address")
    return addresses[0]
