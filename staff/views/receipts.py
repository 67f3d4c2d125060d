"""Receipts that failed to render: staff queue them again from the registration page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View

from declarations.constants import ReceiptStatus
from declarations.models import Receipt
from declarations.receipt_files import receipt_file_missing
from declarations.services import receipt_retry

from ..subject_pages import staff_subject_url
from .base import StaffPageMixin


class ReceiptRetryView(StaffPageMixin, View):
    """POST: render a failed receipt, or one whose stored file is missing, again; back to its registration."""

    def post(self, request, pk):
        receipt = get_object_or_404(Receipt.objects.select_related("declaration"), pk=pk)
        was_failed = receipt.status == ReceiptStatus.FAILED or receipt_file_missing(receipt)
        receipt_retry(declaration=receipt.declaration, actor=request.user, request=request)
        if was_failed:
            messages.success(request, _("The receipt is being prepared again."))
        else:
            messages.info(request, _("This receipt had not failed; nothing was changed."))
        return redirect(staff_subject_url(receipt.declaration) or "staff:overview")
