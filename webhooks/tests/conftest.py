import pytest

from .receiver import HttpsReceiver


@pytest.fixture
def receiver(settings):
    """A real local HTTPS receiver the portal trusts (its CA) and may reach (127.0.0.1 only)."""
    server = HttpsReceiver()
    settings.WEBHOOK_CA_FILE = str(server.ca_file)
    settings.WEBHOOK_TEST_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    yield server
    server.close()


@pytest.fixture(autouse=True)
def no_dns_for_example_hosts(monkeypatch):
    """Tests never ask real DNS: the example hosts of the tests do not resolve (as offline)."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith((".example.org", ".example", ".test")):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
