"""Who may use the back-office: members of the ``rvo_staff`` group, nobody else."""

from django.utils.translation import gettext_lazy as _

from accounts.mixins import RvoStaffRequiredMixin


class StaffRequiredMixin(RvoStaffRequiredMixin):
    """Anonymous users go to the login page; company, ministry and other users get 403."""

    permission_denied_message = _("The back-office is for RVO staff only.")
