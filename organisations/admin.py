from django.contrib import admin

from core.forms import ADMIN_URL_OVERRIDES

from .models import Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    """Read-only: roles and signatory authority change through the organisation's own pages
    (``membership_update``/``membership_remove``: never without an admin, audited)."""

    model = Membership
    extra = 0
    fields = ("user", "role", "is_authorised_signatory", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
    """Read-only (``invitation_create`` sends them, audited). No token is shown: the link's token is
    only in the e-mail and its digest is left out; a used, withdrawn or expired invitation cannot be
    opened again by editing its dates. Deleting one withdraws it."""

    list_display = ("email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    fields = (
        "organisation",
        "email",
        "role",
        "is_authorised_signatory",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
