"""Back-office writes, by sub-domain: ``sessions`` (preparation sessions, agenda, invitations,
attendance, reminders) and ``follow_ups``. Mission and registration writes are the missions
app's services (``missions.services``), which staff views call directly."""

from .follow_ups import follow_up_create, follow_up_update
from .jobs import job_retry
from .mail import mail_resend
from .sessions import (
    SESSION_FIELDS,
    agenda_item_add,
    agenda_item_remove,
    agenda_mark,
    attendance_record,
    session_agenda_ensure,
    session_create,
    session_invite,
    session_reminders_send,
    session_update,
)

__all__ = [
    "SESSION_FIELDS",
    "agenda_item_add",
    "agenda_item_remove",
    "agenda_mark",
    "attendance_record",
    "follow_up_create",
    "follow_up_update",
    "job_retry",
    "mail_resend",
    "session_agenda_ensure",
    "session_create",
    "session_invite",
    "session_reminders_send",
    "session_update",
]
