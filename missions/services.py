"""Registration writes: drafts, submission, seats and the waiting list.

Seats are allocated only while the mission row is locked (``select_for_update``), so concurrent
submissions can never confirm more organisations than ``capacity_max``; waiting-list positions
are handed out and compacted under the same lock, so they are always 1..N.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_event_record
from declarations.constants import Decision
from declarations.selectors import declaration_text_current
from declarations.services import DeclarationInput, declaration_record
from notifications.services import email_queue
from organisations.constants import MembershipRole
from organisations.models import Membership

from .constants import MAX_PARTICIPANTS, RegistrationStatus
from .exceptions import (
    AlreadyRegistered,
    DeclarationIncomplete,
    InvalidRegistrationState,
    MissionFull,
    NotASignatory,
    ProfileIncomplete,
    RegistrationClosed,
)
from .models import Mission, Participant, Registration

S = RegistrationStatus


# --- helpers ----------------------------------------------------------------------------------


def _lock_mission(mission_id: int) -> Mission:
    return Mission.objects.select_for_update().get(pk=mission_id)


def _lock_registration(registration_id: int) -> Registration:
    return Registration.objects.select_for_update().select_related("organisation", "mission").get(pk=registration_id)


def _set_status(registration: Registration, status: str, **fields) -> None:
    registration.status = status
    registration.status_changed_at = timezone.now()
    for name, value in fields.items():
        setattr(registration, name, value)
    registration.save(update_fields=["status", "status_changed_at", *fields])


def _confirmed_count(mission: Mission) -> int:
    return mission.registrations.filter(status=S.CONFIRMED).count()


def _seats_left(mission: Mission) -> int:
    return max(mission.capacity_max - _confirmed_count(mission), 0)


def _leave_waitlist(registration: Registration) -> None:
    """Take a registration off the waiting list and move those behind it up (one by one, in order,
    so the unique position constraint holds at every step)."""
    position = registration.waitlist_position
    if position is None:
        return
    registration.waitlist_position = None
    registration.save(update_fields=["waitlist_position"])
    behind = Registration.objects.filter(mission_id=registration.mission_id, waitlist_position__gt=position)
    for other in behind.order_by("waitlist_position").only("pk", "waitlist_position"):
        Registration.objects.filter(pk=other.pk).update(waitlist_position=other.waitlist_position - 1)


def _recipients(registration: Registration, *extra_users) -> list:
    """The submitter, the organisation's administrators and any extra users, once each."""
    users = {}
    if registration.submitted_by_id:
        users[registration.submitted_by_id] = registration.submitted_by
    for user in extra_users:
        if user is not None and getattr(user, "pk", None):
            users[user.pk] = user
    admins = Membership.objects.filter(organisation_id=registration.organisation_id, role=MembershipRole.ADMIN)
    for membership in admins.select_related("user"):
        users.setdefault(membership.user_id, membership.user)
    return [u for u in users.values() if u.is_active]


def _mail(registration: Registration, template: str, *, extra_users=(), context=None, dedupe: str = "") -> None:
    registration_url = settings.PORTAL_BASE_URL + reverse("my:registration", args=[registration.pk])
    for user in _recipients(registration, *extra_users):
        email_queue(
            to=user.email,
            template=f"missions/email/{template}",
            context={
                "user": user,
                "registration": registration,
                "mission": registration.mission,
                "organisation": registration.organisation,
                "registration_url": registration_url,
                **(context or {}),
            },
            language=user.language,
            kind=f"registration.{template}",
            dedupe_key=f"{dedupe}:{user.pk}" if dedupe else None,
        )


def _allocate_seat(*, mission: Mission, registration: Registration, actor, request=None) -> Registration:
    """Confirm while seats remain, else put on the waiting list. The mission row must be locked."""
    if _confirmed_count(mission) < mission.capacity_max:
        _set_status(registration, S.CONFIRMED)
        audit_event_record(action="registration.confirm", actor=actor, obj=registration, request=request)
        _mail(registration, "confirmed")
    else:
        last = mission.registrations.aggregate(last=Max("waitlist_position"))["last"] or 0
        _set_status(registration, S.WAITLISTED, waitlist_position=last + 1)
        audit_event_record(
            action="registration.waitlist",
            actor=actor,
            obj=registration,
            request=request,
            details={"position": last + 1},
        )
        _mail(registration, "waitlisted")
    return registration


def _promote(*, mission: Mission, registration: Registration, actor, request=None) -> Registration:
    _leave_waitlist(registration)
    _set_status(registration, S.CONFIRMED)
    audit_event_record(action="registration.promote", actor=actor, obj=registration, request=request)
    _mail(registration, "promoted")
    return registration


def _fill_free_seats(*, mission: Mission, actor, request=None) -> list[Registration]:
    promoted = []
    free = _seats_left(mission)
    if free <= 0:
        return promoted
    queue = mission.registrations.filter(status=S.WAITLISTED).select_related("organisation", "submitted_by")
    for registration in list(queue.order_by("waitlist_position", "pk")[:free]):
        promoted.append(_promote(mission=mission, registration=registration, actor=actor, request=request))
    return promoted


def _is_signatory(user, organisation_id: int) -> bool:
    return Membership.objects.filter(user=user, organisation_id=organisation_id, is_authorised_signatory=True).exists()


# --- drafts -----------------------------------------------------------------------------------


def registration_start(*, mission: Mission, organisation, actor, request=None) -> Registration:
    """Create a draft registration of the organisation for the mission.

    The caller has checked membership. Raises RegistrationClosed, ProfileIncomplete, or
    AlreadyRegistered (carrying the existing registration, which may be a draft to continue).
    """
    existing = Registration.objects.filter(mission=mission, organisation=organisation).first()
    if existing is not None:
        raise AlreadyRegistered(existing)
    if not mission.registration_is_open():
        raise RegistrationClosed()
    if not organisation.is_profile_complete:
        raise ProfileIncomplete()
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                mission=mission,
                organisation=organisation,
                submitted_by=actor,
                status=S.DRAFT,
                status_changed_at=timezone.now(),
                draft_step=2,
            )
            audit_event_record(action="registration.start", actor=actor, obj=registration, request=request)
    except IntegrityError:
        raise AlreadyRegistered(
            Registration.objects.filter(mission=mission, organisation=organisation).first()
        ) from None
    return registration


def registration_draft_save(
    *,
    registration: Registration,
    actor,
    step: int,
    participants: list[dict] | None = None,
    motivation: str | None = None,
    data: dict | None = None,
) -> Registration:
    """Keep the answers of one step of a draft (participants and motivation, or later steps' data)."""
    with transaction.atomic():
        registration = _lock_registration(registration.pk)
        if registration.status != S.DRAFT:
            raise InvalidRegistrationState()
        fields = ["draft_step", "draft_data"]
        registration.draft_step = max(registration.draft_step, step)
        if participants is not None:
            registration.participants.all().delete()
            Participant.objects.bulk_create(
                [Participant(registration=registration, **p) for p in participants[:MAX_PARTICIPANTS]]
            )
        if motivation is not None:
            registration.motivation = motivation
            fields.append("motivation")
        if data:
            registration.draft_data = {**registration.draft_data, **data}
        registration.save(update_fields=fields)
    return registration


def registration_brochure_opened(*, registration: Registration, actor, version: str, request=None) -> None:
    """Record that the user opened the IMVO brochure from the registration (kept in the evidence)."""
    with transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(
            imvo_brochure_opened_at=timezone.now(), imvo_brochure_version=version[:100]
        )
        audit_event_record(
            action="registration.imvo_brochure_open",
            actor=actor,
            obj=registration,
            request=request,
            details={"version": version},
        )


# --- submission and signature -----------------------------------------------------------------


def _decide(*, mission: Mission, registration: Registration, actor, answer: DeclarationInput, request=None):
    """Write the declaration record and move the registration on. Mission and registration locked."""
    text = None
    if answer.text_id:
        from declarations.models import DeclarationText

        text = DeclarationText.objects.filter(pk=answer.text_id, published_at__isnull=False).first()
    text = text or declaration_text_current(language=getattr(actor, "language", "nl"))
    if text is None:
        from declarations.exceptions import NoPublishedText

        raise NoPublishedText()
    reused_from = None
    if answer.reused_from_id:
        from declarations.selectors import declaration_reusable_for

        candidate = declaration_reusable_for(organisation=registration.organisation, text=text)
        reused_from = candidate if candidate and candidate.pk == answer.reused_from_id else None
    declaration_record(
        registration=registration,
        actor=actor,
        text=text,
        decision=answer.decision,
        signatory_name=answer.signatory_name,
        signatory_position=answer.signatory_position,
        confirms_authority=answer.confirms_authority,
        explanation=answer.explanation,
        reused_from=reused_from,
        request=request,
    )
    if answer.decision == Decision.NOT_ENDORSED and mission.requires_declaration:
        _set_status(registration, S.HELD_FOR_REVIEW)
        audit_event_record(action="registration.hold", actor=actor, obj=registration, request=request)
        _mail(registration, "held")
    else:
        _allocate_seat(mission=mission, registration=registration, actor=actor, request=request)


def _answer_from(data: dict | None) -> DeclarationInput | None:
    if not data:
        return None
    return DeclarationInput(
        decision=data.get("decision", ""),
        signatory_name=data.get("signatory_name", ""),
        signatory_position=data.get("signatory_position", ""),
        confirms_authority=bool(data.get("confirms_authority")),
        explanation=data.get("explanation", ""),
        text_id=data.get("text_id"),
        reused_from_id=data.get("reused_from_id"),
    )


def registration_submit(*, registration: Registration, actor, request=None) -> Registration:
    """Submit a draft. In one transaction, under the mission lock:

    - a signatory's answer from step 4 is written as a declaration record; the registration is
      then confirmed while seats remain, else waitlisted (or held for review when the
      declaration was declined on a mission that requires it);
    - without a signatory's answer it waits for a signatory, who is e-mailed a link.
    E-mails go out on commit. Raises RegistrationClosed, InvalidRegistrationState (replayed
    form), DeclarationIncomplete, NotASignatory.
    """
    with transaction.atomic():
        mission = _lock_mission(registration.mission_id)
        registration = _lock_registration(registration.pk)
        if registration.status != S.DRAFT:
            raise InvalidRegistrationState()
        if not mission.registration_is_open():
            raise RegistrationClosed()
        if not registration.participants.exists():
            raise DeclarationIncomplete(_participants_missing_message())
        answer = _answer_from(registration.draft_data.get("declaration"))
        registration.submitted_by = actor
        registration.submitted_at = timezone.now()
        registration.draft_data = {}
        registration.save(update_fields=["submitted_by", "submitted_at", "draft_data"])
        audit_event_record(action="registration.submit", actor=actor, obj=registration, request=request)
        if answer is None:
            if _is_signatory(actor, registration.organisation_id):
                raise DeclarationIncomplete()
            _set_status(registration, S.PENDING_SIGNATURE)
            _request_signature(registration)
        else:
            if not _is_signatory(actor, registration.organisation_id):
                raise NotASignatory()
            answer.validate()
            _decide(mission=mission, registration=registration, actor=actor, answer=answer, request=request)
    return registration


def _participants_missing_message():
    from django.utils.translation import gettext_lazy as _

    return _("Add at least one participant (step 2).")


def _signatories(registration: Registration) -> list:
    return [
        m.user
        for m in Membership.objects.filter(
            organisation_id=registration.organisation_id, is_authorised_signatory=True, user__is_active=True
        ).select_related("user")
    ]


def _request_signature(registration: Registration, *, template: str = "signature_requested", dedupe: str = "") -> int:
    sign_url = settings.PORTAL_BASE_URL + reverse("declarations:sign", args=[registration.pk])
    sent = 0
    for user in _signatories(registration):
        message = email_queue(
            to=user.email,
            template=f"missions/email/{template}",
            context={
                "user": user,
                "registration": registration,
                "mission": registration.mission,
                "organisation": registration.organisation,
                "sign_url": sign_url,
                "requested_by": registration.submitted_by,
            },
            language=user.language,
            kind=f"registration.{template}",
            dedupe_key=f"{dedupe}:{user.pk}" if dedupe else None,
        )
        sent += message is not None
    return sent


def registration_sign(*, registration: Registration, actor, answer: DeclarationInput, request=None) -> Registration:
    """A signatory signs or declines for a registration that waits for a signature."""
    answer.validate()
    with transaction.atomic():
        mission = _lock_mission(registration.mission_id)
        registration = _lock_registration(registration.pk)
        if registration.status != S.PENDING_SIGNATURE:
            raise InvalidRegistrationState()
        if not _is_signatory(actor, registration.organisation_id):
            raise NotASignatory()
        _decide(mission=mission, registration=registration, actor=actor, answer=answer, request=request)
    return registration


def signature_reminders_send(*, now=None) -> int:
    """Remind signatories once about registrations that have waited SIGNATURE_REMINDER_AFTER_DAYS."""
    from datetime import timedelta

    from .constants import SIGNATURE_REMINDER_AFTER_DAYS

    now = now or timezone.now()
    due = Registration.objects.filter(
        status=S.PENDING_SIGNATURE, status_changed_at__lte=now - timedelta(days=SIGNATURE_REMINDER_AFTER_DAYS)
    ).select_related("mission", "organisation", "submitted_by")
    sent = 0
    for registration in due:
        with transaction.atomic():
            sent += _request_signature(
                registration, template="signature_reminder", dedupe=f"signature-reminder:{registration.pk}"
            )
    return sent


# --- after submission: withdraw, staff decisions ---------------------------------------------


def registration_withdraw(*, registration: Registration, actor, reason: str, request=None) -> Registration:
    """Withdraw (by the organisation or staff). A freed seat goes to the first waitlisted
    organisation, who is e-mailed; a waitlisted registration leaves the list, which closes up.
    A signed declaration gets a 'withdrawn' record (never an edit)."""
    reason = (reason or "").strip()
    if not reason:
        from django.utils.translation import gettext_lazy as _

        raise InvalidRegistrationState(_("Give a reason for the withdrawal."))
    with transaction.atomic():
        mission = _lock_mission(registration.mission_id)
        registration = _lock_registration(registration.pk)
        if not registration.can_withdraw:
            raise InvalidRegistrationState()
        was_confirmed = registration.status == S.CONFIRMED
        _leave_waitlist(registration)
        _set_status(registration, S.WITHDRAWN, withdrawal_reason=reason[:2000])
        current = registration.current_declaration
        if current is not None and current.decision != Decision.WITHDRAWN:
            declaration_record(
                registration=registration,
                actor=actor,
                text=current.text,
                decision=Decision.WITHDRAWN,
                signatory_name=getattr(actor, "full_name", ""),
                signatory_position="",
                confirms_authority=False,
                explanation=reason,
                request=request,
            )
        audit_event_record(
            action="registration.withdraw", actor=actor, obj=registration, request=request, details={"reason": reason}
        )
        _mail(registration, "withdrawn", context={"reason": reason})
        if was_confirmed:
            _fill_free_seats(mission=mission, actor=actor, request=request)
    return registration


def registration_confirm(*, registration: Registration, actor, request=None) -> Registration:
    """Staff confirm a held or waitlisted registration if a seat remains, else MissionFull."""
    with transaction.atomic():
        mission = _lock_mission(registration.mission_id)
        registration = _lock_registration(registration.pk)
        if registration.status not in (S.HELD_FOR_REVIEW, S.WAITLISTED):
            raise InvalidRegistrationState()
        if _seats_left(mission) <= 0:
            raise MissionFull()
        if registration.status == S.WAITLISTED:
            return _promote(mission=mission, registration=registration, actor=actor, request=request)
        _set_status(registration, S.CONFIRMED)
        audit_event_record(
            action="registration.confirm", actor=actor, obj=registration, request=request, details={"by_staff": True}
        )
        _mail(registration, "confirmed")
    return registration


def registration_promote(*, registration: Registration, actor, request=None) -> Registration:
    """Staff move one waitlisted registration to confirmed if a seat remains, else MissionFull."""
    with transaction.atomic():
        mission = _lock_mission(registration.mission_id)
        registration = _lock_registration(registration.pk)
        if registration.status != S.WAITLISTED:
            raise InvalidRegistrationState()
        if _seats_left(mission) <= 0:
            raise MissionFull()
        return _promote(mission=mission, registration=registration, actor=actor, request=request)


def registration_reject(*, registration: Registration, actor, reason: str, request=None) -> Registration:
    """Staff reject a registration (with a reason, mailed to the organisation); a freed seat is refilled."""
    reason = (reason or "").strip()
    if not reason:
        from django.utils.translation import gettext_lazy as _

        raise InvalidRegistrationState(_("Give a reason for the rejection."))
    with transaction.atomic():
        mission = _lock_mission(registration.mission_id)
        registration = _lock_registration(registration.pk)
        if registration.status in (S.WITHDRAWN, S.REJECTED, S.DRAFT):
            raise InvalidRegistrationState()
        was_confirmed = registration.status == S.CONFIRMED
        _leave_waitlist(registration)
        _set_status(registration, S.REJECTED, rejection_reason=reason[:2000])
        audit_event_record(
            action="registration.reject", actor=actor, obj=registration, request=request, details={"reason": reason}
        )
        _mail(registration, "rejected", context={"reason": reason})
        if was_confirmed:
            _fill_free_seats(mission=mission, actor=actor, request=request)
    return registration


def waitlist_promote_available(*, mission: Mission, actor=None, request=None) -> list[Registration]:
    """Fill free seats from the waiting list, in order (e.g. after a capacity increase)."""
    with transaction.atomic():
        mission = _lock_mission(mission.pk)
        return _fill_free_seats(mission=mission, actor=actor, request=request)
