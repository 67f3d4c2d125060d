"""Audit logging of every login attempt (an extension point, not a business rule)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import audit_event_record


@receiver(user_logged_in)
def _log_login(sender, request, user, **kwargs):
    audit_event_record(action="auth.login", actor=user, obj=user, request=request)


@receiver(user_logged_out)
def _log_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_event_record(action="auth.logout", actor=user, obj=user, request=request)


@receiver(user_login_failed)
def _log_failed_login(sender, credentials, request=None, **kwargs):
    username = (credentials.get("username") or credentials.get("email") or "").strip().lower()
    audit_event_record(action="auth.login_failed", request=request, details={"username": username[:254]})


@receiver(user_locked_out)
def _log_lockout(sender, request, username, ip_address, **kwargs):
    audit_event_record(
        action="auth.lockout",
        request=request,
        ip_address=ip_address,
        details={"username": (username or "").strip().lower()[:254]},
    )
