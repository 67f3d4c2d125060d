from django.contrib import admin

from .models import Brochure, BrochureDailyCount, BrochureSection, BrochureVersion, Rendition


class SectionInline(admin.TabularInline):
    model = BrochureSection
    extra = 0
    readonly_fields = ["position", "title", "body"]
    can_delete = False


@admin.register(Brochure)
class BrochureAdmin(admin.ModelAdmin):
    list_display = ["slug", "kind", "mission", "position"]
    list_filter = ["kind"]


@admin.register(BrochureVersion)
class BrochureVersionAdmin(admin.ModelAdmin):
    """Read-only: drafts are edited and published in the staff pages (services keep the audit trail)."""

    list_display = ["brochure", "language", "number", "status", "published_at"]
    list_filter = ["status", "language", "brochure"]
    inlines = [SectionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    list_display = ["version", "language", "status", "pages", "bytes", "render_ms", "attempts", "created_at"]
    list_filter = ["status", "language"]
    readonly_fields = [f.name for f in Rendition._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(BrochureDailyCount)
class BrochureDailyCountAdmin(admin.ModelAdmin):
    list_display = ["brochure", "version", "day", "channel", "organisation", "count"]
    list_filter = ["channel", "day"]
