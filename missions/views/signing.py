"""Signing or declining the declaration for a registration that waits for a signatory."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import FormView

from accounts.ratelimit import RateLimitMixin
from core.exceptions import DomainError
from core.forms import RedirectAfterFailedPostMixin
from declarations.selectors import declaration_text_for
from declarations.services import DeclarationInput
from organisations.policies import OrganisationUnverified, PolicyRequiredMixin, can, organisation_unverified

from ..constants import RegistrationStatus
from ..forms import DeclarationForm
from ..selectors import (
    registration_get_for_member,
)
from ..services import (
    registration_sign,
)


class SignView(PolicyRequiredMixin, RateLimitMixin, RedirectAfterFailedPostMixin, FormView):
    """The page a signatory reaches from the e-mail: sign or decline for a prepared registration.

    Members who are not signatories see the page (who may sign) but cannot post; others get 404.
    """

    policy = "registration.view"
    ratelimits = [("declaration_sign", "user")]
    template_name = "missions/sign.html"
    form_class = DeclarationForm

    def get_policy_object(self):
        self.registration, self.membership = registration_get_for_member(
            user=self.request.user, registration_id=self.kwargs["pk"]
        )
        return self.registration

    def get(self, request, *args, **kwargs):
        return self._waiting() or super().get(request, *args, **kwargs)

    def _waiting(self):
        if self.registration.status != RegistrationStatus.PENDING_SIGNATURE:
            messages.info(self.request, _("This registration does not wait for a signature."))
            return redirect("my:registration", self.registration.pk)
        self.shown = declaration_text_for(self.registration, language=get_language() or "nl")
        self.text = self.shown.text if self.shown else None
        return None

    def get_initial(self):
        return {"signatory_name": self.request.user.full_name}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            registration=self.registration,
            mission=self.registration.mission,
            text=self.text,
            text_body=self.shown.body if self.shown else "",
            is_signatory=can(self.request.user, "declaration.sign", self.registration),
            organisation_unverified=organisation_unverified(self.request.user, self.registration),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        waiting = self._waiting()
        if waiting:
            return waiting
        if organisation_unverified(request.user, self.registration):
            messages.error(request, OrganisationUnverified.message)
            return redirect("my:registration", self.registration.pk)
        if not can(request.user, "declaration.sign", self.registration):
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
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Thank you. Your answer has been recorded."))
        return redirect("my:registration", self.registration.pk)
