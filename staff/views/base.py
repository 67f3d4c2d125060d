"""What every back-office page shares: the staff policy, the page section, small helpers."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from organisations.policies import PolicyRequiredMixin

from .. import selectors


def form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)


class StaffPageMixin(PolicyRequiredMixin):
    """Every back-office view: anonymous users go to the login page, everyone but RVO staff gets 403."""

    policy = "staff.access"
    permission_denied_message = _("The back-office is for RVO staff only.")
    section = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class MissionMixin(StaffPageMixin):
    section = "missions"

    def load_objects(self):
        self.mission = selectors.mission_get_for_staff(pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(mission=self.mission, **kwargs)


class SessionMixin(StaffPageMixin):
    section = "missions"

    def load_objects(self):
        self.session = selectors.session_get_for_staff(pk=self.kwargs["pk"])
        self.mission = self.session.mission

    def back(self):
        return redirect("staff:session_detail", pk=self.session.pk)
