"""Waits for PostgreSQL end within their limits (core/database.py), through a proxy that drops packets."""

import time

import pytest
from django.db import OperationalError, connection, connections
from django.db.utils import ConnectionHandler

from core.database import database_timed_out, database_wait_limit
from core.health import check_database
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def proxied(settings):
    """A second database connection (alias ``proxied``) to the test database through a TcpProxy."""
    db = connection.settings_dict
    with TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as proxy:
        handler = ConnectionHandler({"default": {**db, "HOST": "127.0.0.1", "PORT": str(proxy.port)}})
        wrapper = handler["default"]
        yield proxy, wrapper
        wrapper.close()


def _select_one(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


def test_the_settings_carry_connect_statement_and_tcp_timeouts(settings):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["connect_timeout"] >= 1
    assert options["keepalives"] == 1 and options["keepalives_idle"] > 0 and options["tcp_user_timeout"] > 0
    assert f"statement_timeout={settings.DATABASE_STATEMENT_TIMEOUT * 1000}" in options["options"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == f"{settings.DATABASE_STATEMENT_TIMEOUT}s"


def test_a_hung_connection_gives_up_within_the_limit_and_the_next_one_works(proxied):
    proxy, wrapper = proxied
    assert _select_one(wrapper) == 1
    proxy.blackhole()
    started = time.monotonic()
    with database_wait_limit(0.5), pytest.raises(OperationalError):
        _select_one(wrapper)
    assert time.monotonic() - started < 1.0
    assert wrapper.connection.closed  # given up: Django connects afresh next time
    proxy.forward()
    wrapper.close()
    with database_wait_limit(2):
        assert _select_one(wrapper) == 1


def test_a_connect_that_is_never_answered_fails_once_then_at_once(proxied, settings):
    proxy, wrapper = proxied
    proxy.blackhole()
    with database_wait_limit(0.5):
        started = time.monotonic()
        with pytest.raises(OperationalError):
            _select_one(wrapper)
        first = time.monotonic() - started
        assert database_timed_out()
        started = time.monotonic()
        with pytest.raises(OperationalError):
            _select_one(wrapper)  # same request: not asked again
        again = time.monotonic() - started
    assert 0.4 < first < 1.0 and again < 0.1
    assert not database_timed_out()  # the next request tries again


def test_a_long_query_is_not_cut_by_a_limit_it_fits_in():
    with database_wait_limit(2), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.3)")


def test_the_health_check_answers_within_a_second_through_a_partition(proxied, settings, monkeypatch):
    proxy, wrapper = proxied
    monkeypatch.setattr("core.health.connection", wrapper)
    assert check_database()["status"] == "up"
    proxy.blackhole()
    started = time.monotonic()
    assert check_database()["status"] == "down"
    assert time.monotonic() - started < 1.0
    proxy.forward()
    wrapper.close()
    assert check_database()["status"] == "up"
    assert connections["default"].vendor == "postgresql"
