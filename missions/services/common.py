"""What the registration and mission services share: row locks, seats, the waiting list and who
hears about a registration. Each rule here has exactly one copy in the portal."""

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_event_record
from core.service_checks import internal
from declarations.mail_secrets import code_secret
from declarations.references import verification_code
from notifications.services import email_queue
from organisations.constants import MembershipRole
from organisations.models import Membership

from ..constants import RegistrationStatus
from ..lifecycle import SEAT_HOLDING, SEATS_MOVE
from ..models import Mission, Registration

S = RegistrationStatus


def lock_mission(mission_id: int) -> Mission:
    """The mission row, locked: every seat and waiting-list change happens under this lock."""
    return Mission.objects.select_for_update().get(pk=mission_id)


def lock_registration(registration_id: int) -> Registration:
    return Registration.objects.select_for_update().select_related("organisation", "mission").get(pk=registration_id)


def status_set(registration: Registration, status: str, **fields) -> None:
    registration.status = status
    registration.status_changed_at = timezone.now()
    for name, value in fields.items():
        setattr(registration, name, value)
    registration.save(update_fields=["status", "status_changed_at", *fields])


def seats_taken(mission: Mission) -> int:
    """Registrations holding a seat (``lifecycle.SEAT_HOLDING``). Lists use ``selectors.with_seat_counts``."""
    return mission.registrations.filter(status__in=SEAT_HOLDING).count()


def seats_left(mission: Mission) -> int:
    return max(mission.capacity_max - seats_taken(mission), 0)


def waitlist_leave(registration: Registration) -> None:
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


def registration_recipients(registration: Registration, *extra_users) -> list:
    """Who hears about a registration: its submitter, the organisation's admins and any extra users,
    once each, active accounts only. Every registration and mission e-mail uses this list."""
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


def registration_mail(
    registration: Registration, template: str, *, recipients=None, context=None, dedupe: str = ""
) -> int:
    """Queue ``missions/email/<template>`` to every recipient (``registration_recipients`` unless
    given), each in their own language; with ``dedupe``, once per recipient ever. The context
    carries the current declaration's reference and verification code and the mission's
    preparation sessions (``missions/email/_next_steps.txt``)."""
    registration_url = settings.PORTAL_BASE_URL + reverse("my:registration", args=[registration.pk])
    declaration = registration.current_declaration
    receipt_context = {
        "declaration": declaration,
        "reference": declaration.reference if declaration else "",
        "verify_url": settings.PORTAL_BASE_URL + reverse("verify"),
        "sessions": list(registration.mission.preparation_sessions.all()),
    }
    # The code is filled in only as each e-mail is sent: never stored in the outbox (docs/evidence.md).
    has_code = declaration is not None and bool(verification_code(declaration))
    secret_context = {"verification_code": code_secret(declaration)} if has_code else None
    queued = 0
    for user in registration_recipients(registration) if recipients is None else recipients:
        message = email_queue(
            to=user.email,
            template=f"missions/email/{template}",
            context={
                "user": user,
                "registration": registration,
                "mission": registration.mission,
                "organisation": registration.organisation,
                "registration_url": registration_url,
                "mission_url": settings.PORTAL_BASE_URL + registration.mission.get_absolute_url(),
                **receipt_context,
                **(context or {}),
            },
            language=user.language,
            kind=f"registration.{template}",
            dedupe_key=f"{dedupe}:{user.pk}" if dedupe else None,
            secret_context=secret_context,
        )
        queued += message is not None
    return queued


@internal("Helper of registration services that checked the actor; the caller holds the mission lock.")
def seat_allocate(*, mission: Mission, registration: Registration, actor, request=None, by_staff=False) -> None:
    """Confirm while seats remain, else put on the waiting list (never over capacity).
    The mission row must be locked."""
    details = {"by_staff": True} if by_staff else {}
    if seats_taken(mission) < mission.capacity_max:
        status_set(registration, S.CONFIRMED)
        audit_event_record(
            action="registration.confirm", actor=actor, obj=registration, request=request, details=details
        )
        registration_mail(registration, "confirmed")
    else:
        last = mission.registrations.aggregate(last=Max("waitlist_position"))["last"] or 0
        status_set(registration, S.WAITLISTED, waitlist_position=last + 1)
        audit_event_record(
            action="registration.waitlist",
            actor=actor,
            obj=registration,
            request=request,
            details={"position": last + 1, **details},
        )
        registration_mail(registration, "waitlisted")


@internal("Helper of free_seats_fill; the caller checked the actor and holds the mission lock.")
def promote(*, registration: Registration, actor, request=None) -> Registration:
    waitlist_leave(registration)
    status_set(registration, S.CONFIRMED)
    audit_event_record(action="registration.promote", actor=actor, obj=registration, request=request)
    registration_mail(registration, "promoted")
    return registration


@internal("Helper of withdraw/decide/capacity services that checked the actor; the caller holds the mission lock.")
def free_seats_fill(*, mission: Mission, actor, request=None) -> list[Registration]:
    """Give free seats to the waiting list, in order, while the mission still moves seats
    (published or closed). The mission row must be locked."""
    if mission.status not in SEATS_MOVE:
        return []
    free = seats_left(mission)
    if free <= 0:
        return []
    queue = mission.registrations.filter(status=S.WAITLISTED).select_related("organisation", "submitted_by", "mission")
    return [
        promote(registration=registration, actor=actor, request=request)
        for registration in list(queue.order_by("waitlist_position", "pk")[:free])
    ]
