"""Instrument writes by sub-topic: the registry (and its CSV import), the framework (assessments,
levels, phases) and applications (the conditions an applicant fulfils; never a rejection)."""

from .applications import (
    application_confirm_read,
    application_declaration_sign,
    application_self_assessment_submit,
    application_start,
    follow_up_resolve,
)
from .framework import assessment_create, level_publish, phase_save
from .imports import ImportReport, instruments_import_csv
from .notices import signature_reminders_send, signature_request_create
from .registry import instrument_pages_retire, instrument_save

__all__ = [
    "ImportReport",
    "application_confirm_read",
    "application_declaration_sign",
    "application_self_assessment_submit",
    "application_start",
    "assessment_create",
    "follow_up_resolve",
    "instrument_pages_retire",
    "instrument_save",
    "instruments_import_csv",
    "level_publish",
    "phase_save",
    "signature_reminders_send",
    "signature_request_create",
]
