from django.contrib import admin

from imvo_portal.forms import ADMIN_URL_OVERRIDES

from .models import Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    formfield_overrides = ADMIN_URL_OVERRIDES
    list_display = ("name", "kvk_number", "kind", "sector", "size_class", "city")
    list_filter = ("kind", "sector", "size_class")
    search_fields = ("name", "kvk_number", "city")
    readonly_fields = ("size_class", "created_at", "updated_at")
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation", "role", "created_at", "accepted_at", "revoked_at")
    readonly_fields = ("token",)
    raw_id_fields = ("organisation", "invited_by")
