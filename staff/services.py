"""Back-office writes: mission lifecycle, preparation sessions, attendance, follow-up and reminders.

Every function is one transaction with an audit record; e-mails go through the outbox
(``email_queue``) in the same transaction, so a change and its e-mail are never separated.
Registration decisions (confirm, reject, promote, withdraw) are the missions app's services.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record, changes_apply
from missions.constants import ACTIVE_STATUSES, MissionStatus, RegistrationStatus
from missions.models import Mission, Participant, PreparationSession, Registration
from notifications.models import OutboxMessage
from notifications.services import Attachment, email_queue
from organisations.constants import MembershipRole

from .agenda import AGENDA_TEMPLATE
from .constants import SESSION_REMINDER_HOURS, AttendanceStatus
from .exceptions import (
    CapacityBelowConfirmed,
    InvalidMissionTransition,
    MandatoryAgendaItem,
    MissionNotReadyToPublish,
    NobodyToInvite,
    UnknownParticipant,
)
from .ics import session_ics, session_version_key
from .models import AgendaItem, Attendance, FollowUpAction

# The fields staff edit, in the order the forms show them (the forms use these lists too).
MISSION_FIELDS = [
    "title_nl",
    "title_en",
    "slug",
    "summary_nl",
    "summary_en",
    "description_nl",
    "description_en",
    "programme_nl",
    "programme_en",
    "country",
    "city_nl",
    "city_en",
    "theme",
    "starts_on",
    "ends_on",
    "registration_opens_at",
    "registration_closes_at",
    "capacity_min",
    "capacity_max",
    "requires_declaration",
    "lead_contact",
]
SESSION_FIELDS = ["title_nl", "title_en", "starts_at", "ends_at", "location", "online_url", "notes"]

# action → (statuses it may start from, status it leads to)
MISSION_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "publish": ((MissionStatus.DRAFT, MissionStatus.CLOSED), MissionStatus.PUBLISHED),
    "close": ((MissionStatus.PUBLISHED,), MissionStatus.CLOSED),
    "complete": ((MissionStatus.PUBLISHED, MissionStatus.CLOSED), MissionStatus.COMPLETED),
    "cancel": ((MissionStatus.DRAFT, MissionStatus.PUBLISHED, MissionStatus.CLOSED), MissionStatus.CANCELLED),
}


def _confirmed_count(mission: Mission) -> int:
    return Registration.objects.filter(mission=mission, status=RegistrationStatus.CONFIRMED).count()


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def _registration_recipients(registration: Registration) -> list[tuple[str, str]]:
    """(e-mail, language) of who hears about a registration: its submitter, else the organisation's admins."""
    if registration.submitted_by_id and registration.submitted_by.is_active:
        return [(registration.submitted_by.email, registration.submitted_by.language)]
    return [
        (m.user.email, m.user.language)
        for m in registration.organisation.memberships.all()
        if m.role == MembershipRole.ADMIN and m.user.is_active
    ]


def _active_registrations(mission: Mission):
    return (
        Registration.objects.filter(mission=mission, status__in=ACTIVE_STATUSES)
        .select_related("organisation", "submitted_by")
        .prefetch_related("organisation__memberships__user")
    )


def _notify_registered(*, mission: Mission, template: str, kind: str, context: dict) -> int:
    sent = 0
    for registration in _active_registrations(mission):
        for email, language in _registration_recipients(registration):
            email_queue(
                to=email,
                template=template,
                language=language,
                kind=kind,
                context={
                    "mission": mission,
                    "registration": registration,
                    "organisation": registration.organisation,
                    "mission_url": _absolute(mission.get_absolute_url()),
                    **context,
                },
            )
            sent += 1
    return sent


# --- Missions -------------------------------------------------------------------------------


def mission_create(*, actor, data: dict, request=None) -> Mission:
    """Create a mission as a draft (nobody outside RVO sees it until it is published)."""
    with transaction.atomic():
        mission = Mission(**{k: v for k, v in data.items() if k in MISSION_FIELDS}, status=MissionStatus.DRAFT)
        mission.full_clean()
        mission.save()
        audit_event_record(
            action="mission.create",
            actor=actor,
            obj=mission,
            request=request,
            details={"slug": mission.slug, "title": mission.title_nl},
        )
    return mission


def mission_update(*, actor, mission: Mission, data: dict, request=None) -> Mission:
    """Change a mission's fields.

    The maximum capacity may not go below the confirmed count (checked under a row lock). When
    the maximum changes for a mission with registrations, the registered organisations are told;
    when it grows, the waiting list moves up through the missions app.
    """
    from missions.services import waitlist_promote_available

    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=mission.pk)
        changed = changes_apply(obj=mission, data=data, fields=MISSION_FIELDS)
        if not changed:
            return mission
        old_capacity = int(changed["capacity_max"][0]) if "capacity_max" in changed else mission.capacity_max
        if "capacity_max" in changed:
            confirmed = _confirmed_count(mission)
            if mission.capacity_max < confirmed:
                raise CapacityBelowConfirmed(
                    _("The maximum cannot be lower than the %(count)s organisations already confirmed.")
                    % {"count": confirmed}
                )
        mission.full_clean()
        mission.save()
        audit_event_record(
            action="mission.update", actor=actor, obj=mission, request=request, details={"changed": changed}
        )
        if "capacity_max" in changed and mission.status != MissionStatus.DRAFT:
            _notify_registered(
                mission=mission,
                template="staff/email/mission_capacity_changed",
                kind="mission_capacity",
                context={"old_capacity": old_capacity, "new_capacity": mission.capacity_max},
            )
            if mission.capacity_max > old_capacity and mission.status == MissionStatus.PUBLISHED:
                waitlist_promote_available(mission=mission, actor=actor, request=request)
    return mission


def mission_publish_problems(mission: Mission) -> list[str]:
    """What stands between this mission and publication (empty when it may be published)."""
    problems = []
    if not (mission.starts_on and mission.ends_on):
        problems.append(_("Set the start and end dates of the mission."))
    if not (mission.registration_opens_at and mission.registration_closes_at):
        problems.append(_("Set when registration opens and closes."))
    if not (mission.description_nl.strip() and mission.description_en.strip()):
        problems.append(_("Write the description in Dutch and in English."))
    if not (mission.summary_nl.strip() and mission.summary_en.strip()):
        problems.append(_("Write the summary in Dutch and in English."))
    if mission.starts_on and mission.starts_on < timezone.localdate():
        problems.append(_("The start date lies in the past."))
    if (
        mission.registration_closes_at
        and mission.starts_on
        and timezone.localdate(mission.registration_closes_at) > mission.starts_on
    ):
        problems.append(_("Registration must close before the mission starts."))
    return problems


def mission_transition(*, actor, mission: Mission, action: str, reason: str = "", request=None) -> Mission:
    """Move a mission through draft → published → closed → completed, or cancel it.

    Publishing needs dates and a description in both languages; completing needs the mission to
    have started; cancelling needs a reason and tells every registered organisation.
    """
    if action not in MISSION_TRANSITIONS:
        raise InvalidMissionTransition()
    allowed_from, target = MISSION_TRANSITIONS[action]
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=mission.pk)
        if mission.status not in allowed_from:
            raise InvalidMissionTransition(
                _("A mission with status “%(status)s” cannot be given status “%(target)s”.")
                % {"status": mission.get_status_display(), "target": MissionStatus(target).label}
            )
        if action == "publish":
            problems = mission_publish_problems(mission)
            if problems:
                raise MissionNotReadyToPublish(" ".join([_("The mission cannot be published yet."), *problems]))
        if action == "complete" and mission.starts_on > timezone.localdate():
            raise InvalidMissionTransition(_("A mission can only be completed once it has started."))
        if action == "cancel" and not reason.strip():
            raise InvalidMissionTransition(_("Give the reason for cancelling; the organisations will receive it."))
        before = mission.status
        mission.status = target
        mission.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action=f"mission.{action}",
            actor=actor,
            obj=mission,
            request=request,
            details={"from": before, "to": target, **({"reason": reason.strip()} if reason.strip() else {})},
        )
        if action == "cancel":
            _notify_registered(
                mission=mission,
                template="staff/email/mission_cancelled",
                kind="mission_cancelled",
                context={"reason": reason.strip()},
            )
    return mission


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


def session_participants(session: PreparationSession):
    """Participants of the mission's confirmed registrations: the people invited to its sessions."""
    return (
        Participant.objects.filter(
            registration__mission_id=session.mission_id, registration__status=RegistrationStatus.CONFIRMED
        )
        .select_related("registration__organisation", "registration__submitted_by")
        .order_by("registration__organisation__name", "name")
    )


def _participant_language(participant: Participant) -> str:
    submitter = participant.registration.submitted_by
    return submitter.language if submitter else settings.LANGUAGE_CODE


def _agenda_titles(session: PreparationSession, language: str) -> list[str]:
    return [getattr(i, f"title_{language}", "") or i.title_nl for i in session.agenda_items.all()]


def session_invite(*, actor, session: PreparationSession, request=None) -> int:
    """E-mail every participant of a confirmed registration an invitation with an .ics file.

    Each participant gets one invitation per version of the session (time and place): inviting
    twice sends nothing new; after a reschedule, the new invitation goes out. Returns how many
    e-mails were queued.
    """
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
    """Record attendance in bulk: ``{participant_id: status}``. Returns how many rows changed."""
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


# --- IMVO follow-up -----------------------------------------------------------------------------


def follow_up_create(
    *, actor, organisation, mission: Mission, topic: str, due_on: date, owner=None, details: str = "", request=None
) -> FollowUpAction:
    with transaction.atomic():
        action = FollowUpAction(
            organisation=organisation,
            mission=mission,
            topic=topic.strip(),
            details=details,
            due_on=due_on,
            owner=owner,
            created_by=actor,
        )
        action.full_clean()
        action.save()
        audit_event_record(
            action="followup.create",
            actor=actor,
            obj=action,
            request=request,
            details={
                "mission": mission.pk,
                "topic": action.topic,
                "due_on": due_on.isoformat(),
                "owner": getattr(owner, "email", ""),
            },
        )
    return action


def follow_up_update(*, actor, action: FollowUpAction, data: dict, request=None) -> FollowUpAction:
    with transaction.atomic():
        action = FollowUpAction.objects.select_for_update().get(pk=action.pk)
        changed = changes_apply(obj=action, data=data, fields=("topic", "details", "owner", "due_on"))
        if "done" in data and bool(data["done"]) != action.is_done:
            changed["done"] = [str(action.is_done), str(bool(data["done"]))]
            action.done_at = timezone.now() if data["done"] else None
        if changed:
            action.full_clean()
            action.save()
            audit_event_record(
                action="followup.update", actor=actor, obj=action, request=request, details={"changed": changed}
            )
    return action


def staff_url(name: str, *args) -> str:
    return _absolute(reverse(f"staff:{name}", args=args))
