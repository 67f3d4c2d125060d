from django.contrib import admin

from core.forms import ADMIN_URL_OVERRIDES

from .models import Mission, Participant, PreparationSession, Registration


class PreparationSessionInline(admin.TabularInline):
    model = PreparationSession
    formfield_overrides = ADMIN_URL_OVERRIDES
    extra = 0


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ["title_nl", "country", "theme", "starts_on", "status", "capacity_max"]
    list_filter = ["status", "theme", "country"]
    search_fields = ["title_nl", "title_en", "slug"]
    prepopulated_fields = {"slug": ["title_nl"]}
    inlines = [PreparationSessionInline]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Status changes go through the staff back-office (services), so the status is read-only here."""

    list_display = ["mission", "organisation", "status", "waitlist_position", "submitted_at"]
    list_filter = ["status", "mission"]
    readonly_fields = ["status", "waitlist_position", "current_declaration", "status_changed_at", "submitted_at"]
    inlines = [ParticipantInline]
