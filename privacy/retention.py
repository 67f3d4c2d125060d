"""Retention: erase personal data once its period (``settings.RETENTION_DAYS``) has passed.

Each kind of data is erased through the one path allowed for it:

- the personal data of a declaration (signatory name and position, IP address, user agent) only
  through ``declaration_personal_data_erase``, which appends a keyed erasure event, so the chain
  and ``verify_declarations`` stay intact;
- participants, invitations and outgoing e-mail are not evidence: their personal fields are
  emptied with plain updates; login records of the lockout (django-axes) are deleted;
- the reasons typed for a withdrawal or rejection of a registration are emptied (the status
  stays), after the period of typed text (``declarations.typed_text``);
- the audit trail is append-only evidence and stays as it is; its personal part (the actor's
  address, IP address, user agent, personal details), kept apart in ``AuditEventPersonal``, is
  emptied through ``audit_personal_erase``, and the run is recorded as an appended event.

Nothing that the dashboard counts is removed (registrations, decisions, attendance stay).
Idempotent: erased rows are not selected again. Runs from beat (``privacy.tasks.retention_erase``).
"""

import logging
from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEventPersonal
from audit.services import audit_event_record, audit_personal_erase
from declarations.models import Declaration
from declarations.services import declaration_personal_data_erase
from declarations.typed_text import RETENTION_KIND as TYPED_TEXT_RETENTION_KIND
from missions.models import Participant, Registration
from notifications.models import OutboxMessage, OutboxStatus
from organisations.models import Invitation

logger = logging.getLogger(__name__)

# Declarations erased per run, so one run stays short; the next run continues.
DECLARATION_BATCH = 500


def retention_days() -> dict[str, int]:
    return dict(settings.RETENTION_DAYS)


def _cutoff(kind: str, now: datetime) -> datetime:
    return now - timedelta(days=retention_days()[kind])


def participant_personal_data_erase(*, participants) -> int:
    """Empty name, e-mail address and position of the given participants (their attendance stays)."""
    return participants.exclude(name="", email="", position="").update(name="", email="", position="")


def outbox_personal_data_erase(*, messages) -> int:
    """Empty recipients, bodies and attachments of e-mail that will not be sent again."""
    return (
        messages.filter(status__in=[OutboxStatus.SENT, OutboxStatus.FAILED])
        .exclude(to=[])
        .update(to=[], body_text="", body_html="", attachments=[])
    )


def registration_reasons_erase(*, registrations) -> int:
    """Empty the typed reasons of withdrawal and rejection of the given registrations (status stays)."""
    return registrations.exclude(withdrawal_reason="", rejection_reason="").update(
        withdrawal_reason="", rejection_reason=""
    )


def login_records_delete(*, before: datetime | None = None, username: str | None = None) -> int:
    """Delete the lockout's login records (address, IP address, user agent) before a time or of one address."""
    deleted = 0
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        rows = model.objects.all()
        if before is not None:
            rows = rows.filter(attempt_time__lt=before)
        if username is not None:
            rows = rows.filter(username__iexact=username)
        deleted += rows.delete()[0]
    return deleted


def retention_erase(*, now: datetime | None = None) -> dict[str, int]:
    """Erase every kind of personal data older than its retention period. Returns counts per kind."""
    now = now or timezone.now()
    counts = {}
    with transaction.atomic():
        ended_before = _cutoff("participants", now).date()
        counts["participants"] = participant_personal_data_erase(
            participants=Participant.objects.filter(registration__mission__ends_on__lt=ended_before)
        )
        finished = Q(accepted_at__isnull=False) | Q(revoked_at__isnull=False) | Q(expires_at__lt=now)
        counts["invitations"] = (
            Invitation.objects.filter(finished, created_at__lt=_cutoff("invitations", now))
            .exclude(email="")
            .update(email="")
        )
        counts["outbox"] = outbox_personal_data_erase(
            messages=OutboxMessage.objects.filter(created_at__lt=_cutoff("outbox", now))
        )
        counts["login_records"] = login_records_delete(before=_cutoff("login_records", now))
        # Typed reasons follow the period of a declaration's personal data (declarations.typed_text).
        counts["registration_reasons"] = registration_reasons_erase(
            registrations=Registration.objects.filter(status_changed_at__lt=_cutoff(TYPED_TEXT_RETENTION_KIND, now))
        )
        counts["audit_personal"] = audit_personal_erase(
            rows=AuditEventPersonal.objects.filter(event__created_at__lt=_cutoff("audit_personal", now)), now=now
        )
    due = Declaration.objects.filter(
        signed_at__lt=_cutoff("declaration_personal_data", now), personal__erased_at__isnull=True
    ).order_by("sequence")[:DECLARATION_BATCH]
    counts["declaration_personal_data"] = sum(
        declaration_personal_data_erase(declaration=declaration) for declaration in due
    )
    if any(counts.values()):
        with transaction.atomic():
            audit_event_record(action="privacy.retention_erase", details=counts)
        logger.info("Retention: erased %s", counts)
    return counts
