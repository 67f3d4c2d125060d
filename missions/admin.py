from django.contrib import admin

from core.forms import ADMIN_URL_OVERRIDES

from .models import Mission, Participant, PreparationSession, Registration


class PreparationSessionInline(admin.TabularInline):
    model = PreparationSession
    formfield_overrides = ADMIN_URL_OVERRIDES
    extra = 0


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    """The lifecycle (``status``) and the capacity change only through the staff back-office's
    services (``mission_transition``, ``mission_update``): they check the transition and the
    confirmed seats under the row lock, move the waiting list, tell the organisations and leave an
    audit record. Here they are read-only."""

    list_display = ["title_nl", "country", "theme", "starts_on", "status", "capacity_max"]
    list_filter = ["status", "theme", "country"]
    search_fields = ["title_nl", "title_en", "slug"]
    prepopulated_fields = {"slug": ["title_nl"]}
    readonly_fields = ["status", "capacity_min", "capacity_max"]
    inlines = [PreparationSessionInline]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Registrations are made by companies and decided in the staff back-office (services: seat
    allocation under the mission's lock, waiting list, e-mails, audit), so the status, the seat, the
    mission and organisation it is for and the recorded reasons are read-only here, and none is
    added here."""

    list_display = ["mission", "organisation", "status", "waitlist_position", "submitted_at"]
    list_filter = ["status", "mission"]
    readonly_fields = [
        "mission",
        "organisation",
        "submitted_by",
        "status",
        "waitlist_position",
        "current_declaration",
        "status_changed_at",
        "submitted_at",
        "withdrawal_reason",
        "rejection_reason",
    ]
    inlines = [ParticipantInline]

    def has_add_permission(self, request):
        return False
