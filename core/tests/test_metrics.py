"""``/metrics`` (core/metrics.py): protected, and listing requests, database, cache, queue and tasks."""

import pytest

from core import metrics

pytestmark = pytest.mark.django_db

TOKEN = "a-metrics-token-for-tests"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def _scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def _value(text: str, line_start: str) -> float:
    [line] = [line for line in text.splitlines() if line.startswith(line_start)]
    return float(line.rsplit(" ", 1)[1])


def test_metrics_are_not_there_until_configured(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("header", ["", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_a_missing_or_wrong_token(client, metrics_on, header):
    response = client.get("/metrics", **({"HTTP_AUTHORIZATION": header} if header else {}))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"imvo_" not in response.content


def test_metrics_for_an_allowed_address_without_a_token(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 404


def test_an_allowed_address_cannot_be_claimed_through_forwarded_for(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS, settings.TRUSTED_PROXIES = "", ["10.0.0.0/8"], []
    response = client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert response.status_code == 404


def test_metrics_list_requests_by_route_database_and_cache(client, metrics_on):
    before = _scrape(client)
    for _ in range(3):
        assert client.get("/privacy/").status_code == 200
    client.get("/no-such-page/")
    text = _scrape(client)
    route = 'imvo_http_requests_total{method="GET",route="privacy/",status="200"}'
    assert _value(text, route) - (_value(before, route) if route in before else 0) == 3
    # The raw path of an unknown page never becomes a label (ids, tokens, unbounded series).
    assert "no-such-page" not in text and 'route="<unresolved>",status="404"' in text
    assert 'imvo_http_request_duration_seconds_bucket{le="0.005",route="privacy/"}' in text
    assert _value(text, "imvo_db_queries_total{") > 0
    assert "imvo_db_query_duration_seconds_count" in text
    assert "imvo_cache_gets_total" in text or "# HELP imvo_cache_gets_total" in text


def test_task_outcomes_are_counted_in_eager_mode(client, metrics_on, settings):
    metrics.task_outcome_count("tests.example", "success")
    metrics.task_outcome_count("tests.example", "failure")
    text = _scrape(client)
    assert 'imvo_celery_eager_tasks_total{outcome="success",task="tests.example"}' in text
    assert 'imvo_celery_eager_tasks_total{outcome="failure",task="tests.example"}' in text


def test_celery_signals_count_a_task_failure_and_success(metrics_on, client):
    from celery import shared_task

    @shared_task(name="tests.metrics_probe")
    def probe(fail: bool):
        if fail:
            raise ValueError("expected")
        return "ok"

    probe.apply(args=[False])
    probe.apply(args=[True], throw=False)
    text = _scrape(client)
    assert _value(text, 'imvo_celery_eager_tasks_total{outcome="success",task="tests.metrics_probe"}') >= 1
    assert _value(text, 'imvo_celery_eager_tasks_total{outcome="failure",task="tests.metrics_probe"}') >= 1


@pytest.mark.redis
def test_queue_depth_and_worker_task_outcomes_come_from_redis(client, metrics_on, settings, redis_scratch_url):
    import redis

    settings.CELERY_BROKER_URL = redis_scratch_url
    settings.CELERY_TASK_DEFAULT_QUEUE = "metrics-test-queue"
    server = redis.Redis.from_url(redis_scratch_url)
    server.delete(metrics.TASK_COUNTS_KEY, "metrics-test-queue")
    server.rpush("metrics-test-queue", "a", "b", "c")
    from celery import current_app

    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False  # as in a worker: outcomes go to Redis
    try:
        metrics.task_outcome_count("tests.remote", "success")
        metrics.task_outcome_count("tests.remote", "success")
        metrics.task_outcome_count("tests.remote", "retry")
    finally:
        current_app.conf.task_always_eager = eager
    text = _scrape(client)
    assert _value(text, 'imvo_celery_queue_length{queue="metrics-test-queue"}') == 3
    assert _value(text, 'imvo_celery_tasks_total{outcome="success",task="tests.remote"}') == 2
    assert _value(text, 'imvo_celery_tasks_total{outcome="retry",task="tests.remote"}') == 1
    assert _value(text, "imvo_broker_up") == 1
    server.delete(metrics.TASK_COUNTS_KEY, "metrics-test-queue")


def test_a_broker_that_does_not_answer_is_shown_not_fatal(client, metrics_on, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    text = _scrape(client)
    assert _value(text, "imvo_broker_up") == 0


def test_cache_reads_and_a_cache_that_does_not_answer_are_counted(client, metrics_on, cache_down):
    from django.core.cache import caches

    before = _scrape(client)
    cache = caches.create_connection("default")
    assert cache.get("anything", "fallback") == "fallback"
    text = _scrape(client)

    def count(line):
        return _value(text, line) - (_value(before, line) if line in before else 0)

    assert count('imvo_cache_gets_total{result="miss"}') == 1
    assert count("imvo_cache_unavailable_total") == 1


@pytest.mark.redis
def test_cache_hits_and_misses_are_counted(client, metrics_on, settings, redis_scratch_url):
    from core.cache import ResilientRedisCache

    cache = ResilientRedisCache(redis_scratch_url, {})
    cache.set("metrics-key", "value", 30)
    before = _scrape(client)
    assert cache.get("metrics-key") == "value"
    assert cache.get("metrics-other") is None
    text = _scrape(client)
    for result in ("hit", "miss"):
        line = f'imvo_cache_gets_total{{result="{result}"}}'
        assert _value(text, line) - (_value(before, line) if line in before else 0) == 1
