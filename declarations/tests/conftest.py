"""A real RFC 3161 time-stamping authority for the evidence tests: certomancer's, over HTTP.

``tsa_server`` (per test process) makes the TEST PKI (``declarations/pki.py``, in the test run's
``EVIDENCE_PKI_DIR``) and serves its TSA with ``certomancer animate`` on a free local port; ``tsa``
points ``DECLARATION_TSA_URL`` at it for one test. Tests using them carry the ``tsa`` marker.
"""

import socket
import subprocess
import time
from dataclasses import dataclass

import pytest

from declarations.pki import EvidencePki, evidence_pki_ensure, tsa_url


@dataclass(frozen=True)
class TsaServer:
    url: str
    pki: EvidencePki


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def tsa_server():
    pki = evidence_pki_ensure()
    port = _free_port()
    process = subprocess.Popen(pki.animate_command(port=port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("certomancer did not start: " + process.stderr.read().decode()[-2000:]) from None
            time.sleep(0.1)
    try:
        yield TsaServer(url=tsa_url(port=port), pki=pki)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def tsa(settings, tsa_server) -> TsaServer:
    settings.DECLARATION_TSA_URL = [tsa_server.url]
    return tsa_server


@pytest.fixture
def tsa_down(settings) -> str:
    """A TSA URL where nothing listens (connection refused at once)."""
    url = f"http://127.0.0.1:{_free_port()}/imvo/tsa/tsa"
    settings.DECLARATION_TSA_URL = [url]
    settings.DECLARATION_TSA_TIMEOUT = 2
    return url
