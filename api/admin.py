"""API clients in the admin: read only (staff manage them under /staff/api-clients/, audited)."""

from django.contrib import admin

from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "client_id", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "client_id"]
    readonly_fields = [f.name for f in ApiClient._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
