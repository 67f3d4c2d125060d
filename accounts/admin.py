from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .mfa import mfa_reset
from .models import RecoveryCodeDevice, User
from .roles import is_operator

# Second factors are reset only through the audited action below, and their secrets are never shown.
for model in (TOTPDevice, StaticDevice, RecoveryCodeDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "language", "email_confirmed_at")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    actions = ["reset_second_factor"]

    def has_operator_permission(self, request) -> bool:
        return is_operator(request.user)

    @admin.action(
        description=_("Reset second factor (the user sets it up again at the next login)"),
        permissions=["operator"],  # offered to operators only; mfa_reset checks again
    )
    def reset_second_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            mfa_reset(user=user, actor=request.user, request=request)
        self.message_user(
            request,
            ngettext(
                "The second factor of %(count)d user has been reset.",
                "The second factors of %(count)d users have been reset.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )
