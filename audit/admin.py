from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .services import actor_display, personal_part, personal_part_verified


class AppendOnlyAdmin(admin.ModelAdmin):
    """Admin for append-only records: readable, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(AppendOnlyAdmin):
    """The trail with its personal part while it exists ("erased" after retention or deletion)."""

    list_display = ("created_at", "action", "who", "object_type", "object_id", "organisation_id", "ip_address")
    list_filter = ("action", "object_type")
    list_select_related = ("actor", "personal")
    search_fields = ("actor_label", "personal__actor_email", "object_id", "action")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "personal")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + [
            "who",
            "ip_address",
            "user_agent",
            "personal_details",
        ]

    @admin.display(description=_("who"))
    def who(self, obj):
        return actor_display(obj)

    def _personal(self, obj, field: str):
        personal = personal_part_verified(obj)
        if personal is None:
            return _("not verified (not shown)") if personal_part(obj) is not None else "–"
        if personal.is_erased:
            return _("erased")
        return getattr(personal, field) or "–"

    @admin.display(description=_("IP address"))
    def ip_address(self, obj):
        return self._personal(obj, "ip_address")

    @admin.display(description=_("user agent"))
    def user_agent(self, obj):
        return self._personal(obj, "user_agent")

    @admin.display(description=_("personal details"))
    def personal_details(self, obj):
        return self._personal(obj, "details")
