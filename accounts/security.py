"""Brute-force protection policy (used by django-axes)."""

from datetime import timedelta

from django.utils import timezone

BASE_COOL_OFF = timedelta(minutes=15)
MAX_COOL_OFF = timedelta(hours=24)


def escalating_cool_off(request=None) -> timedelta:
    """15 minutes for a first lockout, doubling for each lockout of the account in 24 hours."""
    from audit.models import AuditEvent

    username = ""
    if request is not None:
        username = (request.POST.get("username") or "").strip().lower()
    if not username:
        return BASE_COOL_OFF
    recent = AuditEvent.objects.filter(
        action="auth.lockout",
        details__username=username,
        created_at__gte=timezone.now() - timedelta(hours=24),
    ).count()
    return min(BASE_COOL_OFF * (2 ** max(recent - 1, 0)), MAX_COOL_OFF)
