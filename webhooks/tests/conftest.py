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
