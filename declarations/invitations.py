"""Organisations whose current declaration was signed with another kind of text are asked, once, to
sign the right one.

Before texts had kinds, applicants for an instrument signed the missions' text. Those records stay
as they are (evidence is never rewritten) and are flagged on the receipt and on ``/verify/``; the
organisation's authorised signatories get one e-mail per such declaration, in their own language,
with a link to the subject's page, where the right text can be signed. Run daily by beat
(``declarations.tasks.right_text_invite``) and by ``manage.py invite_right_text``.
"""

from django.conf import settings
from django.db import transaction

from audit.services import audit_event_record
from notifications.services import email_queue
from organisations.models import Membership

from .constants import RECORD_FORMAT_LEGACY, Decision, TextKind
from .models import Declaration
from .subjects import is_current, other_kind_of_text, subject_type_get, subject_types, subjects_of, undertaking_of

#: How many candidate records one run reads at a time.
BATCH = 500


def _candidates():
    """Format 1 records (the only ones a text of another kind can be under) of subject types whose
    undertakings are not all missions; format 2 records are signed on their subject's kind by construction."""
    types = [t.key for t in subject_types() if t.text_kinds != {TextKind.MISSION}]
    return (
        Declaration.objects.filter(format_version=RECORD_FORMAT_LEGACY, subject_type__in=types)
        .exclude(decision=Decision.WITHDRAWN)
        .select_related("text")
        .order_by("sequence")
    )


def _signatories(organisation_id: int) -> list:
    return [
        m.user
        for m in Membership.objects.filter(
            organisation_id=organisation_id, is_authorised_signatory=True, user__is_active=True
        ).select_related("user")
    ]


def declarations_right_text_invite() -> int:
    """Invite the signatories of every organisation whose current declaration is under another kind
    of text, once per declaration and signatory (the outbox's dedupe key). Returns the e-mails queued."""
    queued = 0
    last = 0
    while True:
        batch = list(_candidates().filter(sequence__gt=last)[:BATCH])
        if not batch:
            return queued
        last = batch[-1].sequence
        subjects = subjects_of(batch)
        for declaration in batch:
            subject = subjects.get((declaration.subject_type, declaration.subject_id))
            if subject is None or not is_current(declaration, subject):
                continue
            undertaking = undertaking_of(declaration, subject)
            if not other_kind_of_text(declaration, undertaking):
                continue
            queued += _invite(declaration, subject, undertaking)


def _invite(declaration, subject, undertaking) -> int:
    url = settings.PORTAL_BASE_URL + subject_type_get(declaration.subject_type).url(subject)
    sent = 0
    with transaction.atomic():
        for user in _signatories(declaration.organisation_id):
            message = email_queue(
                to=user.email,
                template="declarations/email/right_text",
                context={
                    "user": user,
                    "declaration": declaration,
                    "undertaking": undertaking,
                    "organisation_name": declaration.organisation_name,
                    "subject_url": url,
                    "text_kind": TextKind(undertaking.text_kind).label,
                    "signed_kind": TextKind(declaration.text_kind or declaration.text.kind).label,
                },
                language=user.language,
                kind="declaration.right_text",
                dedupe_key=f"right-text:{declaration.pk}:{user.pk}",
            )
            sent += message is not None
        if sent:
            audit_event_record(
                action="declaration.right_text_invite",
                obj=declaration,
                organisation_id=declaration.organisation_id,
                details={"sequence": declaration.sequence, "undertaking": undertaking.code, "recipients": sent},
            )
    return sent
