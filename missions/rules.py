"""When registration for a mission is open, in exactly one place.

A mission takes registrations while it is published and ``registration_opens_at <= now <
registration_closes_at`` (opening inclusive, closing exclusive). ``registration_window`` applies
the rule to one mission (the model, services, views and the catalogue's availability use it);
``registration_open_q`` is the same rule for the database (the catalogue's open/closed filter).
``missions/tests/test_rules.py`` checks that the two agree at and around each boundary.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from .constants import MissionStatus

NOT_YET_OPEN = "not_yet_open"
OPEN = "open"
CLOSED = "closed"


def registration_window(mission, now: datetime | None = None) -> str:
    """``OPEN``, ``NOT_YET_OPEN`` (published, before the opening) or ``CLOSED`` (anything else)."""
    now = now or timezone.now()
    if mission.status != MissionStatus.PUBLISHED or now >= mission.registration_closes_at:
        return CLOSED
    if now < mission.registration_opens_at:
        return NOT_YET_OPEN
    return OPEN


def registration_open(mission, now: datetime | None = None) -> bool:
    return registration_window(mission, now) == OPEN


def registration_open_q(now: datetime | None = None) -> Q:
    """The missions ``registration_open`` is true for, as a filter."""
    now = now or timezone.now()
    return Q(status=MissionStatus.PUBLISHED, registration_opens_at__lte=now, registration_closes_at__gt=now)
