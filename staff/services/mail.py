"""Outgoing mail in the back-office: the staff side of ``notifications.services.outbox_resend``."""

from notifications.models import OutboxMessage
from notifications.services import outbox_resend
from organisations.policies import require


def mail_resend(*, message: OutboxMessage, actor, request=None) -> OutboxMessage:
    """Staff send a failed, delayed or stuck e-mail again.

    The ``mail.manage`` policy is checked here because the notifications app lies below the
    permission layer; ``outbox_resend`` then re-queues it in one transaction with the audit event
    ``mail.resend`` and enqueues the send on commit. Raises ``NotAllowed`` or ``MessageNotResendable``.
    """
    require(actor, "mail.manage")
    return outbox_resend(message=message, actor=actor, request=request)
