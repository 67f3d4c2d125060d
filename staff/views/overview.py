"""The back-office start page."""

from django.views.generic import TemplateView

from .. import selectors
from .base import StaffPageMixin


class OverviewView(StaffPageMixin, TemplateView):
    template_name = "staff/overview.html"
    section = "overview"

    def get_context_data(self, **kwargs):
        follow_ups = list(selectors.follow_ups_open()[:20])
        return super().get_context_data(
            missions=selectors.missions_upcoming()[:20],
            awaiting_review=selectors.registrations_awaiting_review()[:20],
            pending_signature=selectors.registrations_pending_signature()[:20],
            declined=selectors.registrations_declined()[:20],
            sessions=selectors.sessions_upcoming(),
            follow_ups=follow_ups,
            overdue_count=sum(1 for a in follow_ups if a.is_overdue),
            **kwargs,
        )
