"""Read the whole audit trail as text, to prove what it does (not) contain."""

import json

from audit.models import AuditEvent, AuditEventPersonal


def audit_trail_text() -> str:
    """Every column of every audit event and of every personal part, details included, as one text."""
    rows = [*AuditEvent.objects.order_by("pk").values(), *AuditEventPersonal.objects.order_by("pk").values()]
    return json.dumps(rows, default=str, ensure_ascii=False).lower()
