"""The back-office start page."""

from django.views.generic import TemplateView

from .. import selectors
from .base import StaffPageMixin


class OverviewView(StaffPageMixin, TemplateView):
    template_name = "staff/overview.html"
    section = "overview"

    def get_context_data(self, **kwargs):
        # Lists of missions not yet over, 20 rows each, extras computed for the rows shown: the page
        # costs the same at a million registrations as at a hundred (issue 15).
        current = selectors.missions_current_ids()
        follow_ups = list(selectors.follow_ups_open(missions=current)[:20])
        return super().get_context_data(
            missions=selectors.missions_upcoming(limit=20),
            awaiting_review=selectors.registrations_awaiting_review(missions=current, limit=20),
            pending_signature=selectors.registrations_pending_signature(missions=current, limit=20),
            declined=selectors.follow_up_flags_attach(selectors.registrations_declined(missions=current)[:20]),
            sessions=selectors.sessions_upcoming(),
            follow_ups=follow_ups,
            overdue_count=sum(1 for a in follow_ups if a.is_overdue),
            **kwargs,
        )
