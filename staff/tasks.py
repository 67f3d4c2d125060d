from celery import shared_task

from . import services


@shared_task(
    name="staff.tasks.send_session_reminders",
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
)
def send_session_reminders() -> int:
    """Beat: remind participants two days before a session. Idempotent (outbox dedupe key)."""
    return services.session_reminders_send()
