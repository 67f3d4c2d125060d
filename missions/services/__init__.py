"""Writes of the missions app, by sub-domain: ``registrations`` (the company journey and staff
decisions), ``missions`` (the mission lifecycle for RVO staff) and ``common`` (locks, seats,
waiting list, recipients)."""

from .common import registration_recipients, seats_left, seats_taken
from .missions import (
    MISSION_FIELDS,
    mission_create,
    mission_publish_problems,
    mission_transition,
    mission_update,
    waitlist_promote_available,
)
from .registrations import (
    registration_brochure_opened,
    registration_confirm,
    registration_draft_save,
    registration_promote,
    registration_reject,
    registration_sign,
    registration_start,
    registration_submit,
    registration_withdraw,
    signature_reminders_send,
)

__all__ = [
    "MISSION_FIELDS",
    "mission_create",
    "mission_publish_problems",
    "mission_transition",
    "mission_update",
    "registration_brochure_opened",
    "registration_confirm",
    "registration_draft_save",
    "registration_promote",
    "registration_recipients",
    "registration_reject",
    "registration_sign",
    "registration_start",
    "registration_submit",
    "registration_withdraw",
    "seats_left",
    "seats_taken",
    "signature_reminders_send",
    "waitlist_promote_available",
]
