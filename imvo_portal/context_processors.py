from django.conf import settings

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
        context["is_rvo_staff"] = user.is_rvo_staff
        context["is_ministry"] = user.is_ministry
        context["active_membership"] = active_membership(request)
        context["memberships"] = memberships_of_request(request)
    return context
