import logging

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.ratelimit import rate_limit_exceeded, too_many_requests

from .constants import ReceiptStatus
from .forms import VerifyForm
from .receipt_check import (
    ReceiptTooCostly,
    UnreadableReceipt,
    receipt_check,
    receipt_record_hash_check,
    receipt_upload_read,
)
from .receipt_files import FoundBy, receipt_file_lost
from .receipt_sandbox import SandboxBusy
from .references import reference_normalise
from .restores import restore_lost_receipt
from .selectors import declaration_get_for_download

logger = logging.getLogger("imvo.security")


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
        try:
            handle = default_storage.open(receipt.file_name, "rb")
        except FileNotFoundError:
            return self._file_lost(request, declaration, receipt)
        response = FileResponse(
            handle,
            content_type="application/pdf",
            as_attachment=True,
            filename=f"ontvangstbewijs-verklaring-{declaration.sequence}.pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _file_lost(request, declaration, receipt):
        """The stored PDF is gone (e.g. a lost media folder): queue it to be made again from the
        evidence (``receipt_files.receipt_file_lost``) and answer "being prepared" with 503 and
        ``Retry-After``; the page reloads itself and serves the new PDF once it is there."""
        receipt_file_lost(receipt_id=receipt.pk, found_by=FoundBy.DOWNLOAD, actor=request.user, request=request)
        receipt.refresh_from_db()
        response = render(
            request,
            "declarations/receipt_pending.html",
            {"declaration": declaration, "receipt": receipt, "failed": False},
            status=503,
        )
        response["Retry-After"] = str(RECEIPT_RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "private, no-store"
        response._has_been_logged = True  # expected and handled: not a server error for the error log
        return response


#: How long a client is asked to wait for a receipt whose lost file is being made again.
RECEIPT_RETRY_AFTER_SECONDS = 5
#: Room for the form fields and multipart headers around an upload of ``VERIFY_RECEIPT_MAX_BYTES``.
VERIFY_FORM_OVERHEAD_BYTES = 16 * 1024
#: How long a client is asked to wait when every parse slot of the node is taken.
VERIFY_BUSY_RETRY_AFTER_SECONDS = 5


@method_decorator(csrf_exempt, name="dispatch")  # CSRF is checked in dispatch, after the size check
class VerifyView(View):
    """``/verify/``: anyone checks a receipt by its reference and code, or by uploading the PDF;
    a receipt from before references existed by the record hash printed on it (or its upload).

    No login; every lookup (a GET with ``reference`` and ``code``, as in a link or QR code, or a
    POST of the CSRF-protected form) counts against ``RATE_LIMITS["verify"]`` per client IP.
    A body larger than an upload may be is refused (413) before anything reads it; an upload is
    hashed and compared with the issued receipts, and read only in the sandbox
    (``receipt_sandbox``): over its limits the page says so, with every slot busy it answers 503.
    """

    template_name = "declarations/verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and _content_length(request) > (
            settings.VERIFY_RECEIPT_MAX_BYTES + VERIFY_FORM_OVERHEAD_BYTES
        ):
            return self._render(request, VerifyForm(), status=413, page_error=self._too_large_message())
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

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
        if (
            not form.cleaned_data.get("receipt")
            and form.cleaned_data.get("record_hash")
            and not (form.cleaned_data["reference"] or form.cleaned_data["code"])
        ):
            result = receipt_record_hash_check(record_hash=form.cleaned_data["record_hash"])
            return self._render(request, form, checked=True, result=result, by_record_hash=True)
        if not form.cleaned_data.get("receipt"):
            reference, code = form.cleaned_data["reference"], form.cleaned_data["code"]
            result = receipt_check(reference=reference, code=code, method="code")
            # Not in the register: a record a database restore lost is explained, not denied (restores.py).
            lost = restore_lost_receipt(reference=reference_normalise(reference), code=code) if result is None else None
            return self._render(request, form, checked=True, result=result, lost=lost)
        try:
            result, reference, code = receipt_upload_read(form.cleaned_data["receipt"])
        except SandboxBusy:
            form.add_error(
                "receipt",
                _("Many files are being checked right now. Try again in a few seconds; what you typed is kept."),
            )
            response = self._render(request, form, status=503)
            response["Retry-After"] = str(VERIFY_BUSY_RETRY_AFTER_SECONDS)
            # An expected answer under load, not a server error: keep django.request from logging
            # every one at ERROR (a flood of hostile uploads would flood the logs and Sentry too).
            response._has_been_logged = True
            logger.info("declaration.verify: every parse slot busy, answered 503")
            return response
        except ReceiptTooCostly:
            form.add_error(
                "receipt",
                _(
                    "This file could not be read within the limits for an upload (time and memory), so it is "
                    "not a receipt the portal issued. Type the reference and verification code from the receipt."
                ),
            )
            return self._render(request, form)
        except UnreadableReceipt:
            form.add_error(
                "receipt",
                _("This file is not a receipt the portal issued.")
                + " "
                + _("No reference and verification code could be read from this file. Type them from the receipt.")
                + " "
                + _("A receipt without a reference: type the record hash printed on it."),
            )
            return self._render(request, form)
        # A receipt issued in the gap of a restore, uploaded: explained by its reference and code too.
        lost = (
            restore_lost_receipt(reference=reference_normalise(reference), code=code)
            if result is None and reference
            else None
        )
        return self._render(request, form, checked=True, result=result, uploaded=True, lost=lost)

    @staticmethod
    def _too_large_message() -> str:
        return _("The file is too large (at most %(mb)s MB); a receipt is much smaller.") % {
            "mb": settings.VERIFY_RECEIPT_MAX_BYTES // (1024 * 1024)
        }

    def _render(self, request, form, *, status: int = 200, **context):
        max_mb = settings.VERIFY_RECEIPT_MAX_BYTES // (1024 * 1024)
        response = render(request, self.template_name, {"form": form, "max_mb": max_mb, **context}, status=status)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
