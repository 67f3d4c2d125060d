from celery import shared_task

from .services import signature_reminders_send


@shared_task
def send_signature_reminders() -> int:
    """Beat: remind signatories once about applications waiting for their signature (deduplicated)."""
    return signature_reminders_send()
