"""A TCP proxy for outage tests that can drop everything, the way a network partition does.

``forward``: bytes pass both ways. ``blackhole``: new connections are accepted and then never
answered, and established ones stop passing bytes in either direction, without closing anything:
to the client it looks like packets dropped on the way (no refusal, no reset), the case that hangs
a client without timeouts. ``forward`` again: established connections pass what waited, connections
accepted during the blackhole are closed (their handshake is long lost).

Threads, no asyncio: it runs beside pytest-django and a gunicorn subprocess without an event loop.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._forwarding = threading.Event()
        self._forwarding.set()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._held: list[socket.socket] = []  # accepted during a blackhole, never answered
        self.connections = 0
        threading.Thread(target=self._accept, name=f"tcp-proxy-{self.port}", daemon=True).start()

    # --- control -------------------------------------------------------------------------
    def blackhole(self) -> None:
        self._forwarding.clear()

    def forward(self) -> None:
        with self._lock:
            held, self._held = self._held, []
        for sock in held:
            self._close(sock)
        self._forwarding.set()

    def close(self) -> None:
        self._stopped.set()
        self._forwarding.set()
        self._close(self._listener)
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._close(sock)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- machinery -----------------------------------------------------------------------
    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._track(client)
            if not self._forwarding.is_set():
                with self._lock:
                    self._held.append(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                self._close(client)
                continue
            server.settimeout(None)
            self._track(server)
            self.connections += 1
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        try:
            while not self._stopped.is_set():
                if not self._forwarding.wait(timeout=0.1):
                    continue  # dropped: nothing read, nothing sent, nothing closed
                readable, _, _ = select.select(list(peers), [], [], 0.1)
                for sock in readable:
                    if not self._forwarding.is_set():
                        break
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            self._close(client)
            self._close(server)
