"""Who may use the back-office: members of the ``rvo_staff`` group, nobody else."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class StaffRequiredMixin(LoginRequiredMixin):
    """Anonymous users go to the login page; company, ministry and other users get 403.

    Being a Django ``is_staff``/superuser is not enough: the back-office is for RVO staff only.
    """

    permission_denied_message = _("The back-office is for RVO staff only.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_rvo_staff:
            raise PermissionDenied(self.permission_denied_message)
        return super().dispatch(request, *args, **kwargs)
