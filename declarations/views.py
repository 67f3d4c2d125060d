from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import render
from django.views import View

from .constants import ReceiptStatus
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
