"""Who holds a privileged role, in exactly one place.

Privileged: RVO staff and the ministry (Django groups ``rvo_staff`` and ``ministry``) and the
operators (superusers, and any account with admin-site access, ``is_staff``). They must use a
second factor (``accounts.mfa.mfa_mandatory``), and their accounts are closed by the operators,
not by their holders (the ``account.delete`` policy in ``organisations.policies``).
"""

from .constants import MINISTRY_GROUP, RVO_STAFF_GROUP

PRIVILEGED_GROUPS = frozenset({RVO_STAFF_GROUP, MINISTRY_GROUP})


def is_privileged(user) -> bool:
    """Whether ``user`` (signed in) is RVO staff, ministry, a superuser or has admin-site access."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.is_staff or user.group_names & PRIVILEGED_GROUPS)
