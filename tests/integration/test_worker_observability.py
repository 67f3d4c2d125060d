"""A real worker logs JSON lines naming its tasks, sends task events, and its outcomes reach /metrics."""

import json
import threading

import pytest
from django.test import Client

from tests.workers import celery_live, wait_for  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]

TOKEN = "worker-metrics-token"
TASK = "brochures.tasks.renditions_queue_missing"


def _successes(settings) -> float:
    settings.METRICS_TOKEN = TOKEN
    body = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    line = f'imvo_celery_tasks_total{{outcome="success",task="{TASK}"}}'
    values = [float(row.rsplit(" ", 1)[1]) for row in body.splitlines() if row.startswith(line)]
    return values[0] if values else 0.0


def test_worker_task_outcomes_events_and_json_logs(celery_live, settings):  # noqa: F811
    from brochures.tasks import renditions_queue_missing
    from imvo_portal.celery import app

    worker = celery_live()
    before = _successes(settings)

    events = []
    ready = threading.Event()

    def listen():
        with app.connection_for_read() as connection:
            receiver = app.events.Receiver(
                connection, handlers={"task-succeeded": lambda event: events.append(event), "*": lambda e: None}
            )
            consume_ready = receiver.on_consume_ready

            def on_consume_ready(*args, **kwargs):  # its queue is bound: no event is missed from now on
                consume_ready(*args, **kwargs)
                ready.set()

            receiver.on_consume_ready = on_consume_ready
            for _ in receiver.itercapture(limit=None, timeout=60, wakeup=True):
                if events:
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert ready.wait(15), "the event receiver did not start"

    result = renditions_queue_missing.apply_async()
    wait_for(lambda: _successes(settings) >= before + 1, timeout=30)
    wait_for(lambda: any(event.get("uuid") == result.id for event in events), timeout=15)

    lines = [line for line in worker.log_path.read_text(errors="replace").splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    assert parsed  # JSON lines; Celery's start banner aside, no text log lines ("[2026-... INFO/...]")
    assert not [line for line in lines if line.startswith("[") and "/MainProcess]" in line]
    assert all(line["time"].endswith("+00:00") for line in parsed)
    assert any(line.get("task_id") == result.id and line.get("task_name") == TASK for line in parsed) or any(
        result.id in line["message"] for line in parsed
    )
