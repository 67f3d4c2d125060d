"""Outgoing mail that could not be delivered yet: a list for RVO staff with a resend button per e-mail."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from core.exceptions import DomainError
from notifications.models import OutboxMessage
from notifications.selectors import outbox_messages_needing_attention
from organisations.policies import safe_next_url

from ..constants import PAGE_SIZE
from ..services.mail import mail_resend
from .base import StaffPageMixin


class MailListView(StaffPageMixin, ListView):
    """Failed, retrying and stuck e-mails, newest first (never the bodies: they may hold personal links)."""

    template_name = "staff/mail_list.html"
    policy = "mail.manage"
    section = "mail"
    paginate_by = PAGE_SIZE
    context_object_name = "mails"

    def get_queryset(self):
        return outbox_messages_needing_attention()


class MailResendView(StaffPageMixin, View):
    policy = "mail.manage"

    def post(self, request, pk):
        message = get_object_or_404(OutboxMessage.objects.defer("body_text", "body_html", "attachments"), pk=pk)
        try:
            mail_resend(message=message, actor=request.user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The e-mail “%(subject)s” will be sent again shortly.") % {"subject": message.subject}
            )
        return redirect(safe_next_url(request, request.POST.get("next"), reverse("staff:mail_list")))
