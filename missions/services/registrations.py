"""Registration writes: drafts, submission, signature, seats and the waiting list.

Every status change is checked against ``missions.lifecycle.REGISTRATION_TRANSITIONS`` and, for
who may do it, against ``organisations.policies`` (a service never trusts its caller). Seats are
allocated only while the mission row is locked (``select_for_update``), so concurrent submissions
can never confirm more organisations than ``capacity_max``; waiting-list positions are handed out
and compacted under the same lock, so they are always 1..N.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_event_record
from declarations.constants import Decision
from declarations.services import DeclarationInput, declaration_record, declaration_sign
from organisations.constants import SIGNATURE_REMINDER_AFTER_DAYS
from organisations.policies import can, require
from organisations.selectors import signatories_active

from ..constants import MAX_PARTICIPANTS, RegistrationStatus
from ..exceptions import (
    AlreadyRegistered,
    DeclarationIncomplete,
    InvalidRegistrationState,
    MissionFull,
    NotASignatory,
    ProfileIncomplete,
    RegistrationClosed,
)
from ..lifecycle import transition_check, withdrawal_transition
from ..models import Mission, Participant, Registration
from .common import (
    free_seats_fill,
    lock_mission,
    lock_registration,
    promote,
    registration_mail,
    seat_allocate,
    seats_left,
    status_set,
    waitlist_leave,
)

S = RegistrationStatus


# --- drafts -----------------------------------------------------------------------------------


def registration_start(*, mission: Mission, organisation, actor, request=None) -> Registration:
    """Create a draft registration of the organisation for the mission (members only).

    Raises RegistrationClosed, ProfileIncomplete, or AlreadyRegistered (carrying the existing
    registration, which may be a draft to continue).
    """
    require(actor, "registration.edit_draft", organisation)
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
    require(actor, "registration.edit_draft", registration)
    with transaction.atomic():
        registration = lock_registration(registration.pk)
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
    require(actor, "registration.view", registration)
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
    declaration_sign(answer=answer, subject=registration, actor=actor, request=request)
    if answer.decision == Decision.NOT_ENDORSED and mission.requires_declaration:
        status_set(registration, S.HELD_FOR_REVIEW)
        audit_event_record(action="registration.hold", actor=actor, obj=registration, request=request)
        registration_mail(registration, "held")
    else:
        seat_allocate(mission=mission, registration=registration, actor=actor, request=request)


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
    form), DeclarationIncomplete, NotASignatory, NotAllowed (not a member).
    """
    require(actor, "registration.edit_draft", registration)
    with transaction.atomic():
        mission = lock_mission(registration.mission_id)
        registration = lock_registration(registration.pk)
        transition_check("registration", "submit", registration.status)
        if not mission.registration_is_open():
            raise RegistrationClosed()
        if not registration.participants.exists():
            raise DeclarationIncomplete(_("Add at least one participant (step 2)."))
        answer = _answer_from(registration.draft_data.get("declaration"))
        signatory = can(actor, "declaration.sign", registration)
        registration.submitted_by = actor
        registration.submitted_at = timezone.now()
        registration.draft_data = {}
        registration.save(update_fields=["submitted_by", "submitted_at", "draft_data"])
        audit_event_record(action="registration.submit", actor=actor, obj=registration, request=request)
        if answer is None:
            if signatory:
                raise DeclarationIncomplete()
            status_set(registration, S.PENDING_SIGNATURE)
            _request_signature(registration)
        else:
            if not signatory:
                raise NotASignatory()
            answer.validate()
            _decide(mission=mission, registration=registration, actor=actor, answer=answer, request=request)
    return registration


def _request_signature(registration: Registration, *, template: str = "signature_requested", dedupe: str = "") -> int:
    return registration_mail(
        registration,
        template,
        recipients=signatories_active(organisation_id=registration.organisation_id),
        context={
            "sign_url": settings.PORTAL_BASE_URL + reverse("my:sign", args=[registration.pk]),
            "requested_by": registration.submitted_by,
        },
        dedupe=dedupe,
    )


def registration_sign(*, registration: Registration, actor, answer: DeclarationInput, request=None) -> Registration:
    """A signatory signs or declines for a registration that waits for a signature."""
    answer.validate()
    with transaction.atomic():
        mission = lock_mission(registration.mission_id)
        registration = lock_registration(registration.pk)
        transition_check("registration", "sign", registration.status)
        if not can(actor, "declaration.sign", registration):
            raise NotASignatory()
        _decide(mission=mission, registration=registration, actor=actor, answer=answer, request=request)
    return registration


def signature_reminders_send(*, now=None) -> int:
    """Remind signatories once about registrations that have waited SIGNATURE_REMINDER_AFTER_DAYS."""
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


def _reason_required(reason: str, message, *, field: str) -> str:
    """The stripped reason; refused when empty or longer than the model field allows (never cut)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidRegistrationState(message)
    limit = Registration._meta.get_field(field).max_length
    if len(reason) > limit:
        raise InvalidRegistrationState(
            _("The reason can be at most %(limit)s characters long; it has %(count)s.")
            % {"limit": limit, "count": len(reason)}
        )
    return reason


def registration_withdraw(*, registration: Registration, actor, reason: str, request=None) -> Registration:
    """Withdraw a submitted registration (an organisation admin or signatory, or RVO staff on its
    behalf), or discard a draft (any member). A freed seat goes to the first waitlisted
    organisation, who is e-mailed; a waitlisted registration leaves the list, which closes up.
    A signed declaration gets a 'withdrawn' record (never an edit)."""
    reason = _reason_required(reason, _("Give a reason for the withdrawal."), field="withdrawal_reason")
    with transaction.atomic():
        mission = lock_mission(registration.mission_id)
        registration = lock_registration(registration.pk)
        transition = withdrawal_transition(registration.status)
        transition_check("registration", transition.action, registration.status)
        require(actor, transition.policy, registration)
        was_seated = registration.status == S.CONFIRMED
        waitlist_leave(registration)
        status_set(registration, S.WITHDRAWN, withdrawal_reason=reason)
        current = registration.current_declaration
        if current is not None and current.decision != Decision.WITHDRAWN:
            declaration_record(
                subject=registration,
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
            action="registration.withdraw",
            actor=actor,
            obj=registration,
            request=request,
            details={"reason_text": reason},  # typed text: erasable personal part (audit.services)
        )
        if transition.action == "withdraw":
            registration_mail(registration, "withdrawn", context={"reason": reason})
        if was_seated:
            free_seats_fill(mission=mission, actor=actor, request=request)
    return registration


def registration_confirm(*, registration: Registration, actor, request=None) -> Registration:
    """Staff accept a registration held for review: confirmed while a seat remains, else it goes
    on the waiting list (never over capacity)."""
    require(actor, "registration.decide", registration)
    with transaction.atomic():
        mission = lock_mission(registration.mission_id)
        registration = lock_registration(registration.pk)
        transition_check("registration", "confirm", registration.status)
        seat_allocate(mission=mission, registration=registration, actor=actor, request=request, by_staff=True)
    return registration


def registration_promote(*, registration: Registration, actor, request=None) -> Registration:
    """Staff move one waitlisted registration to confirmed if a seat remains, else MissionFull."""
    require(actor, "registration.decide", registration)
    with transaction.atomic():
        mission = lock_mission(registration.mission_id)
        registration = lock_registration(registration.pk)
        transition_check("registration", "promote", registration.status)
        if seats_left(mission) <= 0:
            raise MissionFull()
        return promote(registration=registration, actor=actor, request=request)


def registration_reject(*, registration: Registration, actor, reason: str, request=None) -> Registration:
    """Staff reject a registration (with a reason, mailed to the organisation); a freed seat is refilled."""
    require(actor, "registration.decide", registration)
    reason = _reason_required(reason, _("Give a reason for the rejection."), field="rejection_reason")
    with transaction.atomic():
        mission = lock_mission(registration.mission_id)
        registration = lock_registration(registration.pk)
        transition_check("registration", "reject", registration.status)
        was_seated = registration.status == S.CONFIRMED
        waitlist_leave(registration)
        status_set(registration, S.REJECTED, rejection_reason=reason)
        audit_event_record(
            action="registration.reject",
            actor=actor,
            obj=registration,
            request=request,
            details={"reason_text": reason},  # typed text: erasable personal part (audit.services)
        )
        registration_mail(registration, "rejected", context={"reason": reason})
        if was_seated:
            free_seats_fill(mission=mission, actor=actor, request=request)
    return registration
