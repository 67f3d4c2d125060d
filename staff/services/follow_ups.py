"""Back-office writes for IMVO follow-up actions agreed with an organisation (e.g. after it
declined the declaration). One transaction and an audit record each; RVO staff only."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from audit.services import actor_label, audit_event_record, changes_apply
from missions.models import Mission
from organisations.policies import require

from ..models import FollowUpAction


def follow_up_create(
    *, actor, organisation, mission: Mission, topic: str, due_on: date, owner=None, details: str = "", request=None
) -> FollowUpAction:
    require(actor, "mission.manage")
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
                "owner": actor_label(owner),
            },
        )
    return action


def follow_up_update(*, actor, action: FollowUpAction, data: dict, request=None) -> FollowUpAction:
    require(actor, "mission.manage")
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
