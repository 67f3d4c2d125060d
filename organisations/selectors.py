"""Reads that enforce visibility: a user only ever sees organisations they belong to."""

from django.db.models import QuerySet
from django.http import Http404

from .constants import ACTIVE_ORGANISATION_SESSION_KEY
from .models import Membership, Organisation


def membership_get(*, user, organisation_id) -> Membership:
    """The user's membership of that organisation, or 404 (never reveals that it exists)."""
    try:
        return Membership.objects.select_related("organisation").get(user=user, organisation_id=int(organisation_id))
    except (Membership.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def membership_list_for_user(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def active_membership(request) -> Membership | None:
    """The membership of the organisation the user works for right now (switchable)."""
    user = request.user
    if not user.is_authenticated:
        return None
    cached = getattr(request, "_active_membership", False)
    if cached is not False:
        return cached
    memberships = list(membership_list_for_user(user=user))
    chosen = None
    wanted = request.session.get(ACTIVE_ORGANISATION_SESSION_KEY)
    for membership in memberships:
        if membership.organisation_id == wanted:
            chosen = membership
    if chosen is None and memberships:
        chosen = memberships[0]
    request._active_membership = chosen
    request._memberships = memberships
    return chosen


def memberships_of_request(request) -> list[Membership]:
    active_membership(request)
    return getattr(request, "_memberships", [])


def organisation_members(*, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("user__full_name", "user__email")


def signatories_active(*, organisation_id: int) -> list:
    """The users asked to sign for the organisation: its standing authorised signatories with an
    active account. Every signature request and reminder (missions, instruments) uses this list."""
    memberships = Membership.objects.filter(
        organisation_id=organisation_id, is_authorised_signatory=True, user__is_active=True
    ).select_related("user")
    return [m.user for m in memberships.order_by("user__full_name", "user__email")]
