from django.contrib import admin

from audit.admin import AppendOnlyAdmin

from .models import Declaration, DeclarationText, Receipt


@admin.register(DeclarationText)
class DeclarationTextAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "language", "oecd_edition", "published_at", "sha256"]
    list_filter = ["kind", "language"]
    readonly_fields = ["sha256"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [f.name for f in obj._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published


@admin.register(Declaration)
class DeclarationAdmin(AppendOnlyAdmin):
    """Read-only: the evidence log is append-only."""

    list_display = [
        "sequence",
        "reference",
        "organisation_name",
        "decision",
        "text_version",
        "signed_at",
        "record_hash",
    ]
    list_filter = ["decision", "subject_type", "text_kind", "format_version"]
    search_fields = ["reference", "organisation_name", "organisation_kvk", "record_hash"]


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ["declaration", "status", "pages", "size_bytes", "rendered_at"]
    readonly_fields = [f.name for f in Receipt._meta.fields]

    def has_add_permission(self, request):
        return False
