"""Optional error reports through Sentry's SDK (``SENTRY_DSN``), without personal data.

Called from the settings when ``SENTRY_DSN`` is set; sentry-sdk is imported only then. Nothing
personal leaves the portal: ``send_default_pii`` is off (no user e-mail, IP address or cookies),
request bodies are never sent, headers other than a short safe list are dropped, the user is
reduced to its id and every text is scrubbed of link tokens (``core.log_format.redact``). Each
event carries the request id, so a report matches the log lines and the page the user saw.
"""

from __future__ import annotations

from typing import Any

from .log_format import log_context, redact

SAFE_HEADERS = {"user-agent", "content-type", "content-length", "accept", "accept-language", "x-request-id"}


def _scrub_text(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrub_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_text(v) for v in value]
    return value


def before_send(event: dict, hint: dict | None = None) -> dict:
    """Strip what could be personal from an event, and tag it with the request id."""
    request = event.get("request") or {}
    request.pop("data", None)
    request.pop("cookies", None)
    request.pop("query_string", None)
    request.pop("env", None)
    if "headers" in request:
        request["headers"] = {k: v for k, v in request["headers"].items() if k.lower() in SAFE_HEADERS}
    if request:
        event["request"] = request
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if user.get("id") else {}
    context = log_context.get() or {}
    request_id = context.get("request_id")
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    for key in ("message", "logentry", "exception", "breadcrumbs", "extra", "request"):
        if key in event:
            event[key] = _scrub_text(event[key])
    return event


def sentry_init(dsn: str, *, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=before_send,
    )
