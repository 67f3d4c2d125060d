"""/my/: the registrations of the user's organisations."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from core.exceptions import DomainError
from declarations.references import verification_code
from declarations.subjects import subject_types
from organisations.models import Membership
from organisations.policies import PolicyRequiredMixin

from .constants import RegistrationStatus
from .forms import WithdrawForm
from .lifecycle import actions_available, withdrawal_transition
from .selectors import registration_get_for_member, registration_list_for_user
from .services import registration_withdraw
from .subjects import RegistrationSubject


class MyOverviewView(LoginRequiredMixin, TemplateView):
    template_name = "missions/my_overview.html"

    def get_context_data(self, **kwargs):
        registrations = list(registration_list_for_user(user=self.request.user))
        organisation_ids = list(
            Membership.objects.filter(user=self.request.user).values_list("organisation_id", flat=True)
        )
        # Every other kind of subject (instrument applications, later programmes) through the protocol.
        others = [
            row
            for subject_type in subject_types()
            if subject_type.key != RegistrationSubject.key
            for row in subject_type.overview(organisation_ids=organisation_ids)
        ]
        return super().get_context_data(
            registrations=registrations, applications=others, Status=RegistrationStatus, **kwargs
        )


class MyRegistrationView(LoginRequiredMixin, TemplateView):
    template_name = "missions/my_registration.html"

    def get_context_data(self, **kwargs):
        registration, membership = registration_get_for_member(user=self.request.user, registration_id=kwargs["pk"])
        declaration = registration.current_declaration
        actions = {
            t.action
            for t in actions_available("registration", registration.status, user=self.request.user, obj=registration)
        }
        return super().get_context_data(
            may_withdraw=bool(actions & {"withdraw", "discard"}),
            may_sign="sign" in actions,
            registration=registration,
            membership=membership,
            mission=registration.mission,
            declaration=declaration,
            verification_code=verification_code(declaration) if declaration else "",
            sessions=list(registration.mission.preparation_sessions.all()),
            participants=list(registration.participants.all()),
            Status=RegistrationStatus,
            withdraw_form=WithdrawForm(),
            **kwargs,
        )


class WithdrawView(PolicyRequiredMixin, FormView):
    """Withdraw a submitted registration (organisation admins and signatories) or discard a draft
    (any member); other members get 403, non-members 404."""

    form_class = WithdrawForm
    template_name = "missions/withdraw.html"
    permission_denied_message = gettext_lazy(
        "Only an administrator or an authorised signatory of the organisation can withdraw this registration."
    )

    def get_policy_object(self):
        self.registration, self.membership = registration_get_for_member(
            user=self.request.user, registration_id=self.kwargs["pk"]
        )
        self.policy = withdrawal_transition(self.registration.status).policy
        return self.registration

    def get_context_data(self, **kwargs):
        return super().get_context_data(registration=self.registration, mission=self.registration.mission, **kwargs)

    def form_valid(self, form):
        try:
            registration_withdraw(
                registration=self.registration,
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
                request=self.request,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Your registration has been withdrawn."))
        return redirect("my:registration", self.registration.pk)
