from django.contrib import admin

from core.forms import ADMIN_URL_OVERRIDES

from .models import Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    formfield_overrides = ADMIN_URL_OVERRIDES
    list_display = ("name", "kvk_number", "kind", "sector", "size_class", "city", "verification")
    list_filter = ("kind", "sector", "size_class", "verification")
    search_fields = ("name", "kvk_number", "city")
    # Verification changes only through its audited services (staff: /staff/organisations/).
    readonly_fields = ("size_class", "verification", "verified_at", "verified_by", "created_at", "updated_at")
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # A changed KvK number would keep a verification made for the old one (the portal's own
        # form makes it unverified again: ``organisation_update``).
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "kvk_number") if obj is not None else readonly


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation", "role", "created_at", "accepted_at", "revoked_at")
    # No token: the link's token is only in the e-mail, its digest opens nothing and is not shown.
    readonly_fields = ("created_at",)
    raw_id_fields = ("organisation", "invited_by")
