"""Shared set-up of the applicant's journey tests: an instrument whose level is in force today."""

import re
from datetime import timedelta

from django.utils import timezone

from instruments.services import application_start, level_publish
from organisations.models import Organisation
from tests.factories import StaffUserFactory, member_of

from .factories import InstrumentFactory, PhaseFactory, assess, links


def instrument_at(level: int, **fields):
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="C", **fields)
    assess(instrument, staff, size=2)
    level_publish(
        instrument=instrument,
        actor=staff,
        level=level,
        purpose_links=links(level),
        phase=PhaseFactory(effective_from=timezone.localdate() - timedelta(days=1)),
        higher_reason="Hoger dan voorgesteld, om te testen.",
    )
    instrument.refresh_from_db()
    return instrument


def started(level: int, *, user=None, reference: str = "MIT-2026-01234", **fields):
    """An application at ``level`` started by ``user`` (a new admin and signatory if none given)."""
    user = user or member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(
        instrument=instrument_at(level, **fields), organisation=organisation, reference=reference, actor=user
    )
    return application, user


def summary(page: str) -> str:
    match = re.search(r'<div class="error-summary[^>]*>.*?</div>', page, re.S)
    return match.group(0) if match else ""


def title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()
