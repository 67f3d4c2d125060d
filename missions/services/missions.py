"""Mission writes for RVO staff: create, edit, and the lifecycle of
``missions.lifecycle.MISSION_TRANSITIONS`` (publish, close, complete, cancel).

Every function is one transaction under the mission's row lock with an audit record; e-mails go
through the outbox in the same transaction.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record, changes_apply
from core.page_cache import page_cache_invalidate
from organisations.policies import require

from ..constants import MissionStatus, RegistrationStatus
from ..exceptions import (
    CapacityBelowConfirmed,
    InvalidMissionTransition,
    MissionNotReadyToPublish,
)
from ..lifecycle import SEATS_MOVE, SUBMITTED_OPEN, transition_get
from ..models import Mission, Registration
from .common import free_seats_fill, lock_mission, registration_mail, seats_taken, status_set

# The fields staff edit, in the order the forms show them (the forms use this list too).
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


def _active_registrations(mission: Mission):
    return Registration.objects.filter(mission=mission, status__in=SUBMITTED_OPEN).select_related(
        "organisation", "submitted_by", "mission"
    )


def mission_create(*, actor, data: dict, request=None) -> Mission:
    """Create a mission as a draft (nobody outside RVO sees it until it is published)."""
    require(actor, "mission.manage")
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

    The maximum capacity may not go below the confirmed count (checked under the row lock). When
    the maximum changes for a mission with registrations, the registered organisations are told;
    when it grows on a published or closed mission, the waiting list moves up.
    """
    require(actor, "mission.manage")
    with transaction.atomic():
        mission = lock_mission(mission.pk)
        changed = changes_apply(obj=mission, data=data, fields=MISSION_FIELDS)
        if not changed:
            return mission
        old_capacity = int(changed["capacity_max"][0]) if "capacity_max" in changed else mission.capacity_max
        if "capacity_max" in changed:
            confirmed = seats_taken(mission)
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
        page_cache_invalidate("missions")
        if "capacity_max" in changed and mission.status != MissionStatus.DRAFT:
            promoted = set()
            if mission.capacity_max > old_capacity and mission.status in SEATS_MOVE:
                promoted = {r.pk for r in free_seats_fill(mission=mission, actor=actor, request=request)}
            for registration in _active_registrations(mission):
                if registration.pk not in promoted:  # the promoted have their own e-mail
                    registration_mail(
                        registration,
                        "mission_capacity_changed",
                        context={"old_capacity": old_capacity, "new_capacity": mission.capacity_max},
                    )
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


def _registrations_cancel(*, mission: Mission, actor, reason: str, request=None) -> int:
    """Cancel every registration that is not final: seats and waiting list close, each organisation
    is told in its recipients' languages; declaration records stay as they are (evidence)."""
    cancellable = transition_get("registration", "cancel").sources
    registrations = list(
        Registration.objects.filter(mission=mission, status__in=cancellable)
        .select_related("organisation", "submitted_by", "mission")
        .order_by("pk")
    )
    # Free the waiting-list positions first, so the unique position constraint never bites.
    Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(waitlist_position=None)
    for registration in registrations:
        was = registration.status
        status_set(registration, RegistrationStatus.CANCELLED, waitlist_position=None)
        audit_event_record(
            action="registration.cancel",
            actor=actor,
            obj=registration,
            request=request,
            details={"from": was, "reason_text": reason},  # typed text: erasable (audit.services)
        )
        if was != RegistrationStatus.DRAFT:
            registration_mail(registration, "mission_cancelled", context={"reason": reason})
    return len(registrations)


def mission_transition(*, actor, mission: Mission, action: str, reason: str = "", request=None) -> Mission:
    """Move a mission along ``MISSION_TRANSITIONS``.

    Publishing needs dates and a description in both languages; completing needs the mission to
    have started; cancelling needs a reason, cancels every registration that is not final and
    tells each organisation.
    """
    require(actor, "mission.manage")
    reason = (reason or "").strip()
    with transaction.atomic():
        mission = lock_mission(mission.pk)
        try:
            transition = transition_get("mission", action)
        except KeyError:
            raise InvalidMissionTransition() from None
        if mission.status not in transition.sources:
            raise InvalidMissionTransition(
                _("A mission with status “%(status)s” cannot be given that status.")
                % {"status": mission.get_status_display()}
            )
        if action == "publish":
            problems = mission_publish_problems(mission)
            if problems:
                raise MissionNotReadyToPublish(" ".join([_("The mission cannot be published yet."), *problems]))
        if action == "complete" and mission.starts_on > timezone.localdate():
            raise InvalidMissionTransition(_("A mission can only be completed once it has started."))
        if action == "cancel" and not reason:
            raise InvalidMissionTransition(_("Give the reason for cancelling; the organisations will receive it."))
        before = mission.status
        mission.status = transition.targets[0]
        mission.save(update_fields=["status", "updated_at"])
        details = {"from": before, "to": mission.status, **({"reason_text": reason} if reason else {})}
        if action == "cancel":
            details["registrations_cancelled"] = _registrations_cancel(
                mission=mission, actor=actor, reason=reason, request=request
            )
        audit_event_record(action=f"mission.{action}", actor=actor, obj=mission, request=request, details=details)
        page_cache_invalidate("missions")
    return mission


def waitlist_promote_available(*, mission: Mission, actor=None, request=None) -> list[Registration]:
    """Fill free seats from the waiting list, in order (published or closed missions only).
    ``actor=None``: the portal itself (a command or task); a person needs ``mission.manage``."""
    if actor is not None:
        require(actor, "mission.manage", mission)
    with transaction.atomic():
        mission = lock_mission(mission.pk)
        return free_seats_fill(mission=mission, actor=actor, request=request)
