from django.contrib import admin

from .models import AuditEvent


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
    list_display = ("created_at", "action", "actor_email", "object_type", "object_id", "organisation_id", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("actor_email", "object_id", "action")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
