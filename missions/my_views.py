"""/my/: the registrations of the user's organisations."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from declarations.selectors import declaration_reusable_for  # noqa: F401

from .constants import RegistrationStatus
from .exceptions import MissionError
from .forms import WithdrawForm
from .selectors import registration_get_for_member, registration_list_for_user
from .services import registration_withdraw


class MyOverviewView(LoginRequiredMixin, TemplateView):
    template_name = "missions/my_overview.html"

    def get_context_data(self, **kwargs):
        registrations = list(registration_list_for_user(user=self.request.user))
        return super().get_context_data(registrations=registrations, Status=RegistrationStatus, **kwargs)


class MyRegistrationView(LoginRequiredMixin, TemplateView):
    template_name = "missions/my_registration.html"

    def get_context_data(self, **kwargs):
        registration, membership = registration_get_for_member(user=self.request.user, registration_id=kwargs["pk"])
        return super().get_context_data(
            registration=registration,
            membership=membership,
            mission=registration.mission,
            declaration=registration.current_declaration,
            participants=list(registration.participants.all()),
            Status=RegistrationStatus,
            withdraw_form=WithdrawForm(),
            **kwargs,
        )


class WithdrawView(LoginRequiredMixin, FormView):
    form_class = WithdrawForm
    template_name = "missions/withdraw.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.registration, self.membership = registration_get_for_member(
            user=request.user, registration_id=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

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
        except MissionError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Your registration has been withdrawn."))
        return redirect("my:registration", self.registration.pk)
