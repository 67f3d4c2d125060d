from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .exceptions import OutboxError
from .models import REDACTED_BODY, OutboxMessage
from .services import outbox_resend


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subject", "kind", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("subject",)
    # The bodies are shown through ``body``, which hides a confirmation, reset or invitation link.
    fields = [f.name for f in OutboxMessage._meta.fields if f.name not in ("id", "body_text", "body_html")] + ["body"]
    readonly_fields = fields
    actions = ["resend"]

    @admin.display(description=_("text body"))
    def body(self, obj: OutboxMessage) -> str:
        if obj.contains_secret:
            return REDACTED_BODY
        return obj.body_text

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected e-mails again"))
    def resend(self, request, queryset):
        resent = 0
        for message in queryset:
            try:
                outbox_resend(message=message, actor=request.user, request=request)
            except OutboxError as error:
                self.message_user(request, f"{message.subject}: {error.message}", messages.WARNING)
            else:
                resent += 1
        if resent:
            text = ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", resent)
            self.message_user(request, text % {"count": resent}, messages.SUCCESS)
