import pytest

from core.cache import redis_breakers_reset
from core.health import services_forget


@pytest.fixture(autouse=True)
def _fresh_redis_and_health_state():
    """No test inherits another's open circuit breaker or remembered readiness state."""
    redis_breakers_reset()
    services_forget()
    yield
    redis_breakers_reset()
    services_forget()


@pytest.fixture
def cache_down(settings):
    """The portal's Redis cache pointed at a port where nothing listens."""
    url = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.5},
        }
    }
    return url
