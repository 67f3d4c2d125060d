"""The poison-task guard: every task of the project goes through it, in the worker's own trace."""

import logging
import uuid
from unittest import mock

import pytest
from celery import states
from celery.app.trace import build_tracer, task_has_custom
from django.conf import settings
from django.core.cache import cache

from imvo_portal.celery import PortalTask, app, delivery_key

PROJECT_APPS = ("accounts", "audit", "notifications", "organisations", "missions", "declarations", "brochures")


def _project_tasks():
    app.loader.import_default_modules()  # what the worker does at start: autodiscover every tasks.py
    return sorted(
        (task for name, task in app.tasks.items() if not name.startswith("celery.")), key=lambda task: task.name
    )


def _deliver(task, *, task_id: str, retries: int = 0):
    """Run the task as a worker runs a delivered message (not eagerly); returns (state, run mock)."""
    tracer = build_tracer(task.name, task, eager=False, propagate=False, app=app)
    with mock.patch.object(task, "run", return_value="ran") as run:
        result = tracer(task_id, [], {}, {"id": task_id, "retries": retries, "delivery_info": {"redelivered": True}})
    return (result.info.state if result.info else states.SUCCESS), run


def test_the_project_has_tasks_and_every_one_is_a_portal_task():
    tasks = _project_tasks()
    names = {task.name for task in tasks}
    assert {"brochures.tasks.rendition_render", "declarations.tasks.receipt_render"} <= names
    assert {name.split(".")[0] for name in names} >= {"brochures", "declarations", "notifications", "dashboard"}
    for task in tasks:
        assert isinstance(task, PortalTask), task.name
        # Celery's tracer calls the task object (not task.run) only when __call__ is overridden.
        assert task_has_custom(task, "__call__"), task.name


@pytest.mark.parametrize("task", _project_tasks(), ids=lambda task: task.name)
def test_every_task_redelivered_too_often_is_ignored_and_logged(task, caplog):
    task_id = str(uuid.uuid4())
    for delivery in range(1, settings.TASK_MAX_DELIVERIES + 1):
        state, run = _deliver(task, task_id=task_id)
        assert state == states.SUCCESS and run.call_count == 1, f"delivery {delivery} runs"

    with caplog.at_level(logging.ERROR, logger="imvo_portal.celery"):
        state, run = _deliver(task, task_id=task_id)

    assert state == states.IGNORED
    run.assert_not_called()
    assert f"{task.name}[{task_id}]" in caplog.text
    assert f"delivered {settings.TASK_MAX_DELIVERIES + 1} times" in caplog.text


def test_a_retry_is_a_new_message_with_its_own_count():
    task = app.tasks["brochures.tasks.rendition_render"]
    task_id = str(uuid.uuid4())
    cache.set(delivery_key(task_id, 0), settings.TASK_MAX_DELIVERIES)
    assert _deliver(task, task_id=task_id, retries=0)[0] == states.IGNORED
    state, run = _deliver(task, task_id=task_id, retries=1)
    assert state == states.SUCCESS and run.call_count == 1


def test_eager_runs_and_direct_calls_are_not_counted():
    task = app.tasks["brochures.tasks.renditions_queue_missing"]
    with mock.patch("brochures.services.renditions_queue_missing", return_value=0) as body:
        for _ in range(settings.TASK_MAX_DELIVERIES + 2):
            # .result, not .get(): an earlier test may leave a task context behind, and Celery then
            # refuses .get() as a synchronous sub-task.
            assert task.apply().result == 0
            assert task() == 0
    assert body.call_count == 2 * (settings.TASK_MAX_DELIVERIES + 2)


def test_a_cache_failure_lets_the_task_run(caplog):
    task = app.tasks["brochures.tasks.renditions_queue_missing"]
    with mock.patch("django.core.cache.cache.incr", side_effect=ConnectionError("down")):
        state, run = _deliver(task, task_id=str(uuid.uuid4()))
    assert state == states.SUCCESS and run.call_count == 1
