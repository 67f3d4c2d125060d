"""Role checks for views: one place that says who may open which part of the portal."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .constants import MINISTRY_GROUP, RVO_STAFF_GROUP


class RoleRequiredMixin(LoginRequiredMixin):
    """Anonymous users go to the login page; users without one of ``allowed_roles`` get 403.

    Roles are Django groups. Being a Django ``is_staff`` user or superuser is not enough.
    """

    allowed_roles: tuple[str, ...] = ()
    permission_denied_message = _(
        "Your account does not have the role needed for this page. If you think this is a mistake, "
        "contact the IMVO support desk."
    )

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed_roles or request.user.group_names.isdisjoint(self.allowed_roles):
            raise PermissionDenied(self.permission_denied_message)
        return super().dispatch(request, *args, **kwargs)


class RvoStaffRequiredMixin(RoleRequiredMixin):
    allowed_roles = (RVO_STAFF_GROUP,)


class MinistryOrStaffRequiredMixin(RoleRequiredMixin):
    allowed_roles = (MINISTRY_GROUP, RVO_STAFF_GROUP)
