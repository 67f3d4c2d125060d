from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.ratelimit import ratelimit

from .exceptions import InvitationInvalid, OrganisationError, OrganisationExists
from .forms import InvitationForm, MembershipForm, OrganisationForm
from .models import Membership
from .policies import PolicyRequiredMixin, safe_next_url
from .selectors import active_membership, membership_get, organisation_members
from .services import (
    invitation_accept,
    invitation_check,
    invitation_create,
    membership_remove,
    membership_update,
    organisation_create,
    organisation_set_active,
    organisation_update,
)


class MembershipMixin(PolicyRequiredMixin):
    """Loads the user's membership of the organisation in the URL: 404 for non-members, 403 for
    members the policy refuses (e.g. a member who is not an admin)."""

    policy = "organisation.view"
    permission_denied_message = gettext_lazy("Only administrators of the organisation can do this.")

    def get_policy_object(self):
        self.membership = membership_get(user=self.request.user, organisation_id=self.kwargs["pk"])
        self.organisation = self.membership.organisation
        return self.organisation

    def get_context_data(self, **kwargs):
        return super().get_context_data(organisation=self.organisation, membership=self.membership, **kwargs)


class OrganisationHomeView(LoginRequiredMixin, View):
    """/organisation/: the active organisation's profile, or the start page."""

    def get(self, request):
        membership = active_membership(request)
        if membership is None:
            return redirect("organisations:start")
        return redirect("organisations:detail", pk=membership.organisation_id)


class StartView(LoginRequiredMixin, TemplateView):
    template_name = "organisations/start.html"


class OrganisationCreateView(LoginRequiredMixin, FormView):
    template_name = "organisations/form.html"
    form_class = OrganisationForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Register your organisation"), **kwargs)

    def form_valid(self, form):
        try:
            organisation = organisation_create(actor=self.request.user, data=form.cleaned_data, request=self.request)
        except OrganisationExists as error:
            form.add_error("kvk_number", error.message)
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("%(name)s has been registered. You are its administrator.") % {"name": organisation.name}
        )
        return redirect("organisations:detail", pk=organisation.pk)


class OrganisationDetailView(MembershipMixin, TemplateView):
    template_name = "organisations/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = organisation_members(organisation=self.organisation)
        context["invitations"] = (
            self.organisation.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
            if self.membership.is_admin
            else []
        )
        return context


class OrganisationEditView(MembershipMixin, FormView):
    policy = "organisation.edit"
    template_name = "organisations/form.html"
    form_class = OrganisationForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.organisation}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Edit organisation profile"), **kwargs)

    def form_valid(self, form):
        try:
            organisation_update(
                actor=self.request.user, organisation=self.organisation, data=form.cleaned_data, request=self.request
            )
        except OrganisationError as error:
            form.add_error("kvk_number", error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("The profile has been saved."))
        return redirect("organisations:detail", pk=self.organisation.pk)


@method_decorator(ratelimit("invitation", key="user"), name="dispatch")
class InviteView(MembershipMixin, FormView):
    policy = "membership.manage"
    template_name = "organisations/invite.html"
    form_class = InvitationForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organisation": self.organisation}

    def form_valid(self, form):
        invitation_create(
            actor=self.request.user,
            organisation=self.organisation,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            is_authorised_signatory=form.cleaned_data["is_authorised_signatory"],
            request=self.request,
        )
        messages.success(
            self.request, _("An invitation has been sent to %(email)s.") % {"email": form.cleaned_data["email"]}
        )
        return redirect("organisations:detail", pk=self.organisation.pk)


class MemberUpdateView(MembershipMixin, View):
    policy = "membership.manage"

    def post(self, request, pk, membership_id):
        target = get_object_or_404(
            Membership.objects.select_related("user"), pk=membership_id, organisation=self.organisation
        )
        if "remove" in request.POST:
            try:
                membership_remove(actor=request.user, membership=target, request=request)
            except OrganisationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("%(name)s has been removed from the organisation.") % {"name": target.user})
            return redirect("organisations:detail", pk=pk)
        form = MembershipForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a valid role."))
            return redirect("organisations:detail", pk=pk)
        try:
            membership_update(
                actor=request.user,
                membership=target,
                role=form.cleaned_data["role"],
                is_authorised_signatory=form.cleaned_data["is_authorised_signatory"],
                request=request,
            )
        except OrganisationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The membership of %(name)s has been updated.") % {"name": target.user})
        return redirect("organisations:detail", pk=pk)


class InvitationAcceptView(LoginRequiredMixin, View):
    def get(self, request, token):
        try:
            invitation_check(token=token)
        except OrganisationError as error:
            # A used, withdrawn or expired link says so on its own page, not as a flash message.
            return render(request, "organisations/invitation_accept.html", {"refused": error.message}, status=410)
        return render(request, "organisations/invitation_accept.html", {"token": token})

    def post(self, request, token):
        try:
            membership = invitation_accept(user=request.user, token=token, request=request)
        except InvitationInvalid as error:
            return render(request, "organisations/invitation_accept.html", {"refused": error.message}, status=410)
        except OrganisationError as error:
            messages.error(request, error.message)
            return redirect("home")
        messages.success(request, _("You are now a member of %(name)s.") % {"name": membership.organisation})
        return redirect("organisations:detail", pk=membership.organisation_id)


class SwitchOrganisationView(LoginRequiredMixin, View):
    def post(self, request):
        membership = organisation_set_active(request=request, organisation_id=request.POST.get("organisation"))
        messages.info(request, _("You are now working for %(name)s.") % {"name": membership.organisation})
        return redirect(safe_next_url(request, request.POST.get("next"), reverse("organisations:home")))
