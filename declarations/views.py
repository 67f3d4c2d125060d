from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from accounts.ratelimit import rate_limit_exceeded, too_many_requests

from .constants import ReceiptStatus
from .forms import VerifyForm
from .receipt_check import UnreadableReceipt, receipt_check, receipt_pdf_read
from .selectors import declaration_get_for_download


class ReceiptDownloadView(LoginRequiredMixin, View):
    """The receipt PDF, for members of the organisation and RVO staff only (404 for everyone else)."""

    def get(self, request, pk):
        declaration = declaration_get_for_download(user=request.user, declaration_id=pk)
        receipt = getattr(declaration, "receipt", None)
        if receipt is None or receipt.status != ReceiptStatus.DONE or not receipt.file_name:
            failed = receipt is not None and receipt.status == ReceiptStatus.FAILED
            return render(
                request,
                "declarations/receipt_pending.html",
                {"declaration": declaration, "receipt": receipt, "failed": failed},
                status=200 if failed else 202,  # failed: nothing to wait for; RVO staff re-create it
            )
        response = FileResponse(
            default_storage.open(receipt.file_name, "rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"ontvangstbewijs-verklaring-{declaration.sequence}.pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response


class VerifyView(View):
    """``/verify/``: anyone checks a receipt by its reference and code, or by uploading the PDF.

    No login; every lookup (a GET with ``reference`` and ``code``, as in a link or QR code, or a
    POST of the CSRF-protected form) counts against ``RATE_LIMITS["verify"]`` per client IP.
    """

    template_name = "declarations/verify.html"

    def get(self, request):
        if "reference" in request.GET or "code" in request.GET:
            return self._check(request, VerifyForm(request.GET))
        return self._render(request, VerifyForm())

    def post(self, request):
        return self._check(request, VerifyForm(request.POST, request.FILES))

    def _check(self, request, form):
        retry_after = rate_limit_exceeded(request, "verify")
        if retry_after is not None:
            return too_many_requests(request, retry_after)
        if not form.is_valid():
            return self._render(request, form)
        if form.cleaned_data.get("receipt"):
            try:
                reference, code = receipt_pdf_read(form.cleaned_data["receipt"])
            except UnreadableReceipt:
                form.add_error(
                    "receipt",
                    _("No reference and verification code could be read from this file. Type them from the receipt."),
                )
                return self._render(request, form)
            method = "pdf"
        else:
            reference, code, method = form.cleaned_data["reference"], form.cleaned_data["code"], "code"
        result = receipt_check(reference=reference, code=code, method=method)
        return self._render(request, form, checked=True, result=result, reference=reference)

    def _render(self, request, form, **context):
        max_mb = settings.VERIFY_RECEIPT_MAX_BYTES // (1024 * 1024)
        response = render(request, self.template_name, {"form": form, "max_mb": max_mb, **context})
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response
