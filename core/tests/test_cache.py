"""The resilient cache and the circuit breaker, against a Redis port where nothing listens."""

import logging
from unittest import mock

import pytest
import redis
from django.core.cache import cache

from core import cache as resilient
from core.cache import redis_breaker


def test_reads_miss_and_writes_are_skipped_while_redis_is_unreachable(cache_down):
    assert cache.get("key", "fallback") == "fallback"
    assert cache.get_or_set("key", lambda: 42, 60) == 42  # computed, as from the database
    assert cache.set("key", 1, 60) is None
    assert cache.add("key", 1, 60) is False
    assert cache.delete("key") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1}, 60) == ["a"]
    assert cache.has_key("key") is False
    assert cache.touch("key", 60) is False
    cache.delete_many(["a", "b"])
    cache.clear()


def test_incr_raises_while_redis_is_unreachable(cache_down):
    with pytest.raises(redis.ConnectionError):
        cache.incr("counter")


def test_breaker_skips_redis_after_a_failure_and_tries_again_later(settings, monkeypatch, cache_down):
    settings.REDIS_RETRY_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(resilient.time, "monotonic", lambda: clock[0])
    breaker = redis_breaker(cache_down)
    failing = mock.Mock(side_effect=redis.ConnectionError("refused"))

    assert breaker.call("test", failing, lambda: "fallback") == "fallback"
    assert breaker.is_open and failing.call_count == 1
    assert breaker.call("test", failing, lambda: "fallback") == "fallback"
    assert failing.call_count == 1  # skipped: no second timeout to pay
    clock[0] += 6
    assert not breaker.is_open
    assert breaker.call("test", lambda: "from redis", lambda: "fallback") == "from redis"


def test_cache_calls_share_the_breaker_of_their_server(cache_down):
    cache.get("key")
    assert redis_breaker(cache_down).is_open
    with mock.patch("redis.Redis.get", side_effect=AssertionError("Redis must be skipped")):
        assert cache.get("key", "fallback") == "fallback"


def test_one_warning_per_minute_per_server(settings, monkeypatch, caplog):
    settings.REDIS_RETRY_SECONDS = 1
    clock = [1000.0]
    monkeypatch.setattr(resilient.time, "monotonic", lambda: clock[0])
    breaker = redis_breaker("redis://127.0.0.1:1/0")
    failing = mock.Mock(side_effect=redis.TimeoutError("timed out"))
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for _ in range(3):
            breaker.call("test", failing, lambda: None)
            clock[0] += 2  # past the retry window, so Redis is tried (and fails) each time
        assert failing.call_count == 3 and len(caplog.records) == 1
        clock[0] += 60
        breaker.call("test", failing, lambda: None)
    assert len(caplog.records) == 2
    assert "2 similar failures not logged" in caplog.records[1].getMessage()


def test_other_redis_errors_are_not_hidden():
    breaker = redis_breaker("redis://127.0.0.1:1/0")
    with pytest.raises(redis.ResponseError):
        breaker.call("test", mock.Mock(side_effect=redis.ResponseError("WRONGTYPE")), lambda: None)
    assert not breaker.is_open


def test_databases_of_one_server_share_a_breaker():
    assert redis_breaker("redis://cache.example:6379/0") is redis_breaker("redis://cache.example/3")
    assert redis_breaker("redis://cache.example:6379/0") is not redis_breaker("redis://cache.example:6380/0")
