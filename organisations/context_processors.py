from django.conf import settings

from organisations.policies import is_ministry, is_rvo_staff
from organisations.selectors import active_membership, memberships_of_request


def portal(request) -> dict:
    """Navigation context: the user's roles and organisations (two queries at most)."""
    user = request.user
    context = {
        "support_email": settings.SUPPORT_EMAIL,
        "is_rvo_staff": False,
        "is_ministry": False,
        "memberships": [],
        "active_membership": None,
    }
    if user.is_authenticated:
        context["is_rvo_staff"] = is_rvo_staff(user)
        context["is_ministry"] = is_ministry(user)
        context["active_membership"] = active_membership(request)
        context["memberships"] = memberships_of_request(request)
    return context
