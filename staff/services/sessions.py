"""Back-office writes for preparation sessions: the agenda with its mandatory IMVO items,
invitations with a calendar file, attendance and reminders.

Every function is one transaction with an audit record; e-mails go through the outbox
(``email_queue``) in the same transaction, so a change and its e-mail are never separated.
Only RVO staff may plan and run sessions (``mission.manage``); services check it themselves.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record, changes_apply
from core.i18n import localised
from missions.constants import AttendanceStatus, MissionStatus
from missions.models import Attendance, Mission, Participant, PreparationSession
from notifications.models import OutboxMessage
from notifications.services import Attachment, email_queue
from organisations.policies import require

from ..agenda import AGENDA_TEMPLATE
from ..constants import SESSION_REMINDER_HOURS
from ..exceptions import MandatoryAgendaItem, NobodyToInvite, UnknownParticipant
from ..ics import session_ics, session_version_key
from ..models import AgendaItem
from ..selectors import session_participants

SESSION_FIELDS = ["title_nl", "title_en", "starts_at", "ends_at", "location", "online_url", "notes"]


# --- Preparation sessions and their agenda ---------------------------------------------------


def session_agenda_ensure(*, session: PreparationSession) -> int:
    """Put the template on an empty agenda, and any missing mandatory IMVO item on every agenda.

    Idempotent; returns how many items were added.
    """
    existing = list(session.agenda_items.all())
    present_topics = {item.imvo_topic for item in existing if item.imvo_topic}
    items = (
        AGENDA_TEMPLATE
        if not existing
        else [t for t in AGENDA_TEMPLATE if t.imvo_topic and t.imvo_topic not in present_topics]
    )
    start = max((item.position for item in existing), default=0)
    created = AgendaItem.objects.bulk_create(
        AgendaItem(
            session=session,
            position=start + (index + 1) * 10,
            title_nl=t.title_nl,
            title_en=t.title_en,
            description_nl=t.description_nl,
            description_en=t.description_en,
            imvo_topic=t.imvo_topic,
        )
        for index, t in enumerate(items)
    )
    return len(created)


def session_create(*, actor, mission: Mission, data: dict, request=None) -> PreparationSession:
    """Plan a preparation session; its agenda starts from the template with the mandatory IMVO items."""
    require(actor, "mission.manage")
    with transaction.atomic():
        session = PreparationSession(mission=mission, **{k: v for k, v in data.items() if k in SESSION_FIELDS})
        session.full_clean()
        session.save()
        added = session_agenda_ensure(session=session)
        audit_event_record(
            action="session.create",
            actor=actor,
            obj=session,
            request=request,
            details={"mission": mission.pk, "starts_at": session.starts_at.isoformat(), "agenda_items": added},
        )
    return session


def session_update(*, actor, session: PreparationSession, data: dict, request=None) -> PreparationSession:
    require(actor, "mission.manage")
    with transaction.atomic():
        session = PreparationSession.objects.select_for_update().get(pk=session.pk)
        changed = changes_apply(obj=session, data=data, fields=SESSION_FIELDS)
        if not changed:
            return session
        session.full_clean()
        session.save()
        audit_event_record(
            action="session.update",
            actor=actor,
            obj=session,
            request=request,
            details={"changed": sorted(changed) if "notes" in changed else changed},
        )
    return session


def agenda_mark(*, actor, session: PreparationSession, done_ids: set[int], request=None) -> dict:
    """Tick off exactly the agenda items in ``done_ids`` (the others are unticked).

    Returns ``{"ticked": [...], "unticked": [...]}`` with item ids that changed.
    """
    require(actor, "mission.manage")
    now = timezone.now()
    with transaction.atomic():
        items = list(AgendaItem.objects.select_for_update().filter(session=session))
        ticked = [i for i in items if i.pk in done_ids and i.done_at is None]
        unticked = [i for i in items if i.pk not in done_ids and i.done_at is not None]
        for item in ticked:
            item.done_at, item.done_by = now, actor
        for item in unticked:
            item.done_at, item.done_by = None, None
        AgendaItem.objects.bulk_update(ticked + unticked, ["done_at", "done_by"])
        if ticked or unticked:
            audit_event_record(
                action="session.agenda",
                actor=actor,
                obj=session,
                request=request,
                details={
                    "ticked": [i.imvo_topic or i.title_nl for i in ticked],
                    "unticked": [i.imvo_topic or i.title_nl for i in unticked],
                },
            )
    return {"ticked": [i.pk for i in ticked], "unticked": [i.pk for i in unticked]}


def agenda_item_add(*, actor, session: PreparationSession, title_nl: str, title_en: str, request=None) -> AgendaItem:
    require(actor, "mission.manage")
    with transaction.atomic():
        last = session.agenda_items.order_by("-position").values_list("position", flat=True).first() or 0
        item = AgendaItem(
            session=session,
            position=last + 10,
            title_nl=title_nl.strip(),
            title_en=title_en.strip() or title_nl.strip(),
        )
        item.full_clean()
        item.save()
        audit_event_record(
            action="session.agenda_add", actor=actor, obj=session, request=request, details={"title": item.title_nl}
        )
    return item


def agenda_item_remove(*, actor, item: AgendaItem, request=None) -> None:
    require(actor, "mission.manage")
    if item.is_mandatory:
        raise MandatoryAgendaItem()
    with transaction.atomic():
        audit_event_record(
            action="session.agenda_remove",
            actor=actor,
            obj=item.session,
            request=request,
            details={"title": item.title_nl},
        )
        item.delete()


def _participant_language(participant: Participant) -> str:
    submitter = participant.registration.submitted_by
    return submitter.language if submitter else settings.LANGUAGE_CODE


def _agenda_titles(session: PreparationSession, language: str) -> list[str]:
    return [localised(i, "title", language) for i in session.agenda_items.all()]


def session_invite(*, actor, session: PreparationSession, request=None) -> int:
    """E-mail every participant of a confirmed registration an invitation with an .ics file.

    Each participant gets one invitation per version of the session (time and place): inviting
    twice sends nothing new; after a reschedule, the new invitation goes out. Returns how many
    e-mails were queued.
    """
    require(actor, "mission.manage")
    participants = list(session_participants(session))
    if not participants:
        raise NobodyToInvite()
    version = session_version_key(session)
    now = timezone.now()
    queued = 0
    with transaction.atomic():
        existing = set(Attendance.objects.filter(session=session).values_list("participant_id", flat=True))
        Attendance.objects.bulk_create(
            [
                Attendance(session=session, participant=p, status=AttendanceStatus.INVITED, invited_at=now)
                for p in participants
                if p.pk not in existing
            ]
        )
        ics_by_language: dict[str, bytes] = {}
        for participant in participants:
            language = _participant_language(participant)
            if language not in ics_by_language:
                ics_by_language[language] = session_ics(
                    session, language=language, agenda=_agenda_titles(session, language)
                )
            message = email_queue(
                to=participant.email,
                template="staff/email/session_invitation",
                language=language,
                kind="session_invitation",
                dedupe_key=f"session-invite:{session.pk}:{participant.pk}:{version}",
                context={
                    "session": session,
                    "mission": session.mission,
                    "participant": participant,
                    "agenda": _agenda_titles(session, language),
                },
                attachments=[
                    Attachment(
                        "uitnodiging.ics" if language == "nl" else "invitation.ics",
                        "text/calendar",
                        ics_by_language[language],
                    )
                ],
            )
            queued += message is not None
        audit_event_record(
            action="session.invite",
            actor=actor,
            obj=session,
            request=request,
            details={"invited": len(participants), "emails": queued},
        )
    return queued


def attendance_record(*, actor, session: PreparationSession, statuses: dict[int, str], request=None) -> int:
    """Record attendance in bulk: ``{participant_id: status}``. Returns how many rows changed.
    RVO staff on the session page, or an API client with ``attendance:write`` (``attendance.record``)."""
    require(actor, "attendance.record")
    valid = set(AttendanceStatus.values)
    if any(status not in valid for status in statuses.values()):
        raise ValidationError(_("Choose a valid attendance status."))
    allowed = set(session_participants(session).values_list("pk", flat=True)) | set(
        Attendance.objects.filter(session=session).values_list("participant_id", flat=True)
    )
    if set(statuses) - allowed:
        raise UnknownParticipant()
    now = timezone.now()
    with transaction.atomic():
        rows = {a.participant_id: a for a in Attendance.objects.select_for_update().filter(session=session)}
        to_create, to_update, changes = [], [], {}
        for participant_id, status in statuses.items():
            row = rows.get(participant_id)
            if row is None:
                to_create.append(
                    Attendance(
                        session=session,
                        participant_id=participant_id,
                        status=status,
                        recorded_at=now,
                        recorded_by=actor,
                    )
                )
                changes[participant_id] = status
            elif row.status != status:
                row.status, row.recorded_at, row.recorded_by = status, now, actor
                to_update.append(row)
                changes[participant_id] = status
        Attendance.objects.bulk_create(to_create)
        Attendance.objects.bulk_update(to_update, ["status", "recorded_at", "recorded_by"])
        if changes:
            audit_event_record(
                action="session.attendance",
                actor=actor,
                obj=session,
                request=request,
                details={"changes": {str(k): v for k, v in changes.items()}},
            )
    return len(changes)


def session_reminders_send(*, now: datetime | None = None) -> int:
    """Remind participants of confirmed registrations two days before a session, once each.

    Safe to run any number of times (beat may run twice): the outbox's dedupe key
    ``session-reminder:<session>:<participant>`` lets only the first reminder through.
    Returns how many reminders were queued now.
    """
    now = now or timezone.now()
    sessions = (
        PreparationSession.objects.filter(
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=SESSION_REMINDER_HOURS),
            mission__status__in=[MissionStatus.PUBLISHED, MissionStatus.CLOSED],
        )
        .select_related("mission")
        .prefetch_related("agenda_items")
    )
    queued = 0
    for session in sessions:
        participants = list(session_participants(session))
        keys = {p.pk: f"session-reminder:{session.pk}:{p.pk}" for p in participants}
        done = set(OutboxMessage.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True))
        for participant in participants:
            if keys[participant.pk] in done:
                continue
            with transaction.atomic():
                message = email_queue(
                    to=participant.email,
                    template="staff/email/session_reminder",
                    language=_participant_language(participant),
                    kind="session_reminder",
                    dedupe_key=keys[participant.pk],
                    context={
                        "session": session,
                        "mission": session.mission,
                        "participant": participant,
                        "agenda": _agenda_titles(session, _participant_language(participant)),
                    },
                )
                if message is not None:
                    audit_event_record(
                        action="session.reminder",
                        obj=session,
                        organisation_id=participant.registration.organisation_id,
                        details={"participant": participant.pk},
                    )
                    queued += 1
    return queued
