from django.contrib import admin

from .models import RefreshState


@admin.register(RefreshState)
class RefreshStateAdmin(admin.ModelAdmin):
    list_display = ("refreshed_at", "duration_ms", "facts")
    readonly_fields = ("refreshed_at", "duration_ms", "facts")
