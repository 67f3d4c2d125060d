from django.contrib import admin

from .models import DashboardRelease, RefreshState


@admin.register(RefreshState)
class RefreshStateAdmin(admin.ModelAdmin):
    list_display = ("refreshed_at", "duration_ms", "facts")
    readonly_fields = ("refreshed_at", "duration_ms", "facts")


@admin.register(DashboardRelease)
class DashboardReleaseAdmin(admin.ModelAdmin):
    """Releases are evidence of what was published: read only (publish with ``manage.py dashboard_release``)."""

    list_display = ("number", "period", "published_at", "method", "rho")
    readonly_fields = ("number", "period", "published_at", "method", "parameters", "rho", "figures")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
