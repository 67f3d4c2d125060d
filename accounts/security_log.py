"""Security events: one JSON log line (logger ``imvo.security``) and one audit event each.

``security_event`` is the one way to report an authentication or session event. The log line
carries the request id and the client IP (``core.net.client_ip``, which honours
``TRUSTED_PROXIES``); it never carries a password, a token or a one-time code: callers pass only
the detail keys in ``ALLOWED_DETAILS``, and the path is redacted (``accounts.log_format``).
"""

from __future__ import annotations

import logging
from typing import Any

from audit.services import audit_event_record
from core.net import client_ip

from .log_format import redact

logger = logging.getLogger("imvo.security")

#: Detail keys that may be logged; anything else a caller passes is dropped.
ALLOWED_DETAILS = frozenset(
    {
        "username",
        "reason",
        "method",
        "remaining",
        "scope",
        "retry_after",
        "stage",
        "failures",
        "idle",
        "age",
        "assurance",
        "kvk_number",
        "issuer",
        "source",
    }
)


def security_event(
    action: str,
    *,
    request=None,
    user=None,
    outcome: str = "success",
    audit: bool = True,
    level: int = logging.INFO,
    ip_address: str | None = None,
    **details: Any,
) -> None:
    """Log one security event as JSON and record it in the audit trail.

    ``action`` is the audit action (``auth.login``, ``auth.mfa_failed`` …); ``outcome`` is
    ``success`` or ``failure``; ``details`` may only hold the keys in ``ALLOWED_DETAILS``.
    """
    safe = {key: value for key, value in details.items() if key in ALLOWED_DETAILS and value is not None}
    if request is not None and ip_address is None:
        ip_address = client_ip(request)
    user_id = getattr(user, "pk", None) if user is not None and getattr(user, "is_authenticated", False) else None
    record = {
        "event": action,
        "outcome": outcome,
        "user_id": user_id,
        "ip": ip_address,
        "request_id": getattr(request, "request_id", None),
        "http_method": getattr(request, "method", None),
        "path": redact(getattr(request, "path", "") or "") or None,
        **safe,
    }
    logger.log(level, action, extra={"security": record})
    if audit:
        # The username (an address), the IP address and the user agent go to the event's erasable
        # personal part (``audit.services.details_split``), never into the append-only event.
        audit_event_record(
            action=action,
            actor=user,
            obj=user if user_id else None,
            request=request,
            ip_address=ip_address,
            details=safe,
        )
