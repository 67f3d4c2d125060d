"""The audit trail, filtered."""

from django.views.generic import ListView

from .. import audit_display, selectors
from ..constants import AUDIT_PAGE_SIZE
from ..forms import AuditFilterForm
from .base import StaffPageMixin


class AuditListView(StaffPageMixin, ListView):
    template_name = "staff/audit_list.html"
    section = "audit"
    paginate_by = AUDIT_PAGE_SIZE
    context_object_name = "events"

    def get_queryset(self):
        self.filter_form = AuditFilterForm(self.request.GET or None)
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.audit_event_list(filters=filters)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            filter_form=self.filter_form, action_families=selectors.audit_action_prefixes(), **kwargs
        )
        names = selectors.organisation_names(e.organisation_id for e in context["events"])
        for event in context["events"]:
            event.organisation_name = names.get(event.organisation_id, "")
        audit_display.decorate(context["events"])
        return context
