"""One POST to an endpoint: HTTPS only, to a checked public address, no redirects, bounded time.

The host is resolved once (``core.net.resolve_public``) and the TCP connection goes to that
address, while TLS still sends and verifies the host name (SNI and certificate): a DNS answer that
changes after the check (rebinding) cannot redirect the request to the portal's own network.
Redirects are not followed (a 3xx is a failed attempt), so a public URL cannot bounce the request
to a private one either.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from core.net import UnsafeAddress, resolve_public

# What is read of an answer: enough for a status line and an error message, never a large body.
MAX_ANSWER_BYTES = 4096


class DeliveryRefused(Exception):
    """Not sent and never will be as it stands (not HTTPS, a non-public address): no retry helps."""


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def _context() -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.WEBHOOK_CA_FILE or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _CheckedAddressConnection(http.client.HTTPSConnection):
    """HTTPS to ``address`` while naming (and verifying) ``host``."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def url_check(url: str) -> tuple[str, int, str]:
    """(host, port, path with query) of an allowed endpoint URL; ``DeliveryRefused`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise DeliveryRefused("only https:// URLs are allowed")
    if parts.username or parts.password:
        raise DeliveryRefused("credentials in the URL are not allowed")
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise DeliveryRefused("invalid port") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, port, path


def _abort(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """Cut a connection whose attempt ran out of time (wakes a read blocked in another thread)."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url``. Raises ``DeliveryRefused`` (permanent) or ``OSError`` (network,
    TLS, timeout: worth a retry). Any HTTP answer is returned, whatever its status.

    ``WEBHOOK_TIMEOUT_SECONDS`` bounds each network operation AND the whole attempt: a receiver
    that trickles its answer a byte at a time is cut off when the time is up (a watchdog shuts the
    socket), so a worker never waits longer than that for one receiver."""
    host, port, path = url_check(url)
    try:
        address = resolve_public(host, port, allowed=frozenset(settings.WEBHOOK_TEST_ALLOWED_ADDRESSES))
    except UnsafeAddress as exc:
        raise DeliveryRefused(str(exc)) from exc
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection = _CheckedAddressConnection(host, port, address=address, timeout=timeout, context=_context())
    expired = threading.Event()
    watchdog = threading.Timer(timeout, _abort, args=(connection, expired))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        excerpt = response.read(MAX_ANSWER_BYTES).decode("utf-8", "replace")
        if expired.is_set():  # what was read was cut short: it is no answer
            raise TimeoutError("cut off by the watchdog")
        return Answer(status=response.status, excerpt=excerpt[:300])
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            raise TimeoutError(f"The receiver did not answer within {timeout:g} seconds (timed out).") from exc
        if isinstance(exc, OSError):
            raise
        raise ConnectionError(f"{exc.__class__.__name__}: {exc}") from exc
    finally:
        watchdog.cancel()
        connection.close()
