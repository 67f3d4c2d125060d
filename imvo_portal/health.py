"""Liveness checks of the database, the broker and the worker, each with a short timeout."""

from django.conf import settings
from django.db import connection


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "up", "engine": connection.vendor}


def check_broker() -> dict:
    from imvo_portal.celery import app

    if app.conf.task_always_eager:
        return {"status": "eager"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTHZ_TIMEOUT)
    except Exception as exc:
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "up"}


def check_worker(broker_status: str) -> dict:
    from imvo_portal.celery import app

    if broker_status == "eager":
        return {"status": "eager"}
    if broker_status != "up":
        return {"status": "unknown"}
    try:
        replies = app.control.ping(timeout=settings.HEALTHZ_TIMEOUT) or []
    except Exception as exc:
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "up" if replies else "down", "workers": len(replies)}


def health_report() -> tuple[dict, bool]:
    database = check_database()
    broker = check_broker()
    worker = check_worker(broker["status"])
    return {"database": database, "broker": broker, "worker": worker}, database["status"] == "up"
