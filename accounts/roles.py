"""Who holds a privileged role, in exactly one place.

Privileged: RVO staff and the ministry (Django groups ``rvo_staff`` and ``ministry``) and the
operators (superusers, and any account with admin-site access, ``is_staff``). They must use a
second factor (``accounts.mfa.mfa_mandatory``), and their accounts are closed by the operators,
not by their holders (the ``account.delete`` policy in ``organisations.policies``).
"""

from django.core.exceptions import PermissionDenied

from .constants import MINISTRY_GROUP, RVO_STAFF_GROUP

PRIVILEGED_GROUPS = frozenset({RVO_STAFF_GROUP, MINISTRY_GROUP})


def is_operator(user) -> bool:
    """Whether ``user`` runs the portal: an active superuser (the admin site's actions on accounts)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def require_operator(user) -> None:
    """Raise ``PermissionDenied`` unless ``user`` is an operator (``is_operator``).

    ``accounts`` sits below the permission layer (``organisations.policies``); this is its check
    for what only operators may do to other accounts, such as resetting a second factor.
    """
    if not is_operator(user):
        raise PermissionDenied("Only an operator (superuser) may do this.")


def is_privileged(user) -> bool:
    """Whether ``user`` (signed in) is RVO staff, ministry, a superuser or has admin-site access."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.is_staff or user.group_names & PRIVILEGED_GROUPS)
