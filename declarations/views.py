from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from missions.constants import RegistrationStatus
from missions.exceptions import MissionError
from missions.forms import DeclarationForm
from missions.selectors import registration_get_for_member
from missions.services import registration_sign

from .constants import ReceiptStatus
from .selectors import declaration_get_for_download, declaration_text_current
from .services import DeclarationInput


class SignView(LoginRequiredMixin, FormView):
    """The page a signatory reaches from the e-mail: sign or decline for a prepared registration."""

    template_name = "declarations/sign.html"
    form_class = DeclarationForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.registration, self.membership = registration_get_for_member(
            user=request.user, registration_id=kwargs["pk"]
        )
        if self.registration.status != RegistrationStatus.PENDING_SIGNATURE:
            messages.info(request, _("This registration does not wait for a signature."))
            return redirect("my:registration", self.registration.pk)
        self.text = declaration_text_current(language=get_language() or "nl")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"signatory_name": self.request.user.full_name}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            registration=self.registration,
            mission=self.registration.mission,
            text=self.text,
            is_signatory=self.membership.is_authorised_signatory,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not self.membership.is_authorised_signatory:
            messages.error(
                request, _("Only an authorised signatory of the organisation can sign or decline the declaration.")
            )
            return redirect("my:registration", self.registration.pk)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if self.text is None:
            form.add_error(None, _("There is no published declaration text yet. Please contact RVO."))
            return self.form_invalid(form)
        data = form.cleaned_data
        answer = DeclarationInput(
            decision=data["decision"],
            signatory_name=data["signatory_name"],
            signatory_position=data["signatory_position"],
            confirms_authority=data["confirms_authority"],
            explanation=data.get("explanation", ""),
            text_id=self.text.pk,
        )
        try:
            registration_sign(
                registration=self.registration, actor=self.request.user, answer=answer, request=self.request
            )
        except MissionError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Thank you. Your answer has been recorded."))
        return redirect("my:registration", self.registration.pk)


class ReceiptDownloadView(LoginRequiredMixin, View):
    """The receipt PDF, for members of the organisation and RVO staff only (404 for everyone else)."""

    def get(self, request, pk):
        declaration = declaration_get_for_download(user=request.user, declaration_id=pk)
        receipt = getattr(declaration, "receipt", None)
        if receipt is None or receipt.status != ReceiptStatus.DONE or not receipt.file_name:
            return render(
                request,
                "declarations/receipt_pending.html",
                {"declaration": declaration, "receipt": receipt},
                status=202,
            )
        response = FileResponse(
            default_storage.open(receipt.file_name, "rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"ontvangstbewijs-verklaring-{declaration.sequence}.pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response
