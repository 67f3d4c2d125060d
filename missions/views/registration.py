"""The five-step registration of an organisation for a mission; every step is saved."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.ratelimit import rate_limit_exceeded, too_many_requests
from core.exceptions import DomainError
from core.forms import failed_post_redirect, failed_post_restore
from declarations.exceptions import ReuseNoLongerValid
from declarations.selectors import declaration_reusable_for, declaration_text_for
from organisations.policies import PolicyRequiredMixin, can, organisation_unverified
from organisations.selectors import active_membership, membership_get, membership_list_for_user

from .. import resources
from ..constants import RegistrationStatus
from ..exceptions import AlreadyRegistered, ProfileIncomplete, RegistrationClosed
from ..forms import DeclarationForm, OrganisationChoiceForm, ParticipantsForm, ReuseDeclarationForm
from ..selectors import (
    mission_get_published,
    registration_get_for_member,
)
from ..services import (
    registration_brochure_opened,
    registration_draft_save,
    registration_start,
    registration_submit,
)


def _steps():
    return [
        (1, gettext_lazy("Organisation")),
        (2, gettext_lazy("Participants")),
        (3, gettext_lazy("IMVO information")),
        (4, gettext_lazy("Declaration")),
        (5, gettext_lazy("Review and submit")),
    ]


class RegisterStartView(PolicyRequiredMixin, FormView):
    """Step 1: choose the organisation (only those the user is a member of)."""

    template_name = "missions/register_step1.html"
    form_class = OrganisationChoiceForm
    policy = "portal.use"

    def load_objects(self):
        self.mission = mission_get_published(slug=self.kwargs["slug"])
        self.memberships = list(membership_list_for_user(user=self.request.user))
        if not self.memberships:
            messages.info(self.request, _("Register your organisation in the portal first."))
            return redirect("organisations:start")
        if not self.mission.registration_is_open():
            messages.error(self.request, RegistrationClosed.message)
            return redirect(self.mission.get_absolute_url())
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "memberships": self.memberships}

    def get_initial(self):
        active = active_membership(self.request)
        return {"organisation": active.organisation_id} if active else {}

    def form_valid(self, form):
        membership = membership_get(user=self.request.user, organisation_id=form.cleaned_data["organisation"])
        try:
            registration = registration_start(
                mission=self.mission,
                organisation=membership.organisation,
                actor=self.request.user,
                request=self.request,
            )
        except AlreadyRegistered as exc:
            existing = exc.registration
            if existing is not None and existing.status == RegistrationStatus.DRAFT:
                messages.info(self.request, _("You already started this registration; continue where you left off."))
                return redirect("missions:register_step", self.mission.slug, existing.pk, max(existing.draft_step, 2))
            messages.warning(self.request, exc.message)
            return redirect("my:registration", existing.pk) if existing else redirect("my:overview")
        except ProfileIncomplete as exc:
            form.add_error("organisation", exc.message)
            return self.form_invalid(form)
        except DomainError as exc:
            messages.error(self.request, exc.message)
            return redirect(self.mission.get_absolute_url())
        return redirect("missions:register_step", self.mission.slug, registration.pk, 2)

    def get_context_data(self, **kwargs):
        incomplete = [m.organisation for m in self.memberships if not m.organisation.is_profile_complete]
        return super().get_context_data(
            mission=self.mission, steps=_steps(), step=1, incomplete_organisations=incomplete, **kwargs
        )


class RegistrationStepView(PolicyRequiredMixin, TemplateView):
    """Steps 2 to 5 of a draft registration; every step is saved, so going back loses nothing."""

    policy = "registration.edit_draft"

    def get_policy_object(self):
        self.registration, self.membership = registration_get_for_member(
            user=self.request.user, registration_id=self.kwargs["pk"]
        )
        return self.registration

    def load_objects(self):
        self.mission = self.registration.mission
        self.step = self.kwargs["step"]
        if self.mission.slug != self.kwargs["slug"] or self.step not in (2, 3, 4, 5):
            raise Http404
        if self.registration.status != RegistrationStatus.DRAFT:
            messages.info(self.request, _("This registration has been submitted already."))
            return redirect("my:registration", self.registration.pk)
        if not self.mission.registration_is_open():
            messages.error(self.request, RegistrationClosed.message)
            return redirect(self.mission.get_absolute_url())
        if self.step > self.registration.draft_step:
            return redirect(
                "missions:register_step", self.mission.slug, self.registration.pk, self.registration.draft_step
            )
        return None

    def get_template_names(self):
        return [f"missions/register_step{self.step}.html"]

    def _failed(self, form):
        """A failed step: back to the same step with GET, which shows the input and its errors."""
        return failed_post_redirect(self.request, form) or self.render_to_response(self.get_context_data(form=form))

    def _go(self, step: int):
        return redirect("missions:register_step", self.mission.slug, self.registration.pk, step)

    # --- step-specific forms ---------------------------------------------------------------
    def _step2_form(self, data=None):
        raw = self.registration.draft_data.get("step2")
        if data is None and raw:
            return ParticipantsForm(initial=raw)
        return ParticipantsForm(data, initial=ParticipantsForm.initial_from(self.registration))

    def _text_to_sign(self):
        return declaration_text_for(self.registration, language=get_language() or "nl")

    def _text(self):
        shown = self._text_to_sign()
        return shown.text if shown else None

    def _is_signatory(self) -> bool:
        # The policy, not the membership flag: an eHerkenning authorisation counts for its session.
        return can(self.request.user, "declaration.sign", self.registration)

    def _reusable(self, text):
        if text is None or not self._is_signatory():
            return None
        return declaration_reusable_for(
            organisation=self.registration.organisation, text=text, exclude_subject=self.registration
        )

    def _step4_form(self, data=None):
        saved = self.registration.draft_data.get("declaration") or self.registration.draft_data.get("step4") or {}
        initial = {"signatory_name": self.request.user.full_name, **saved}
        return DeclarationForm(data, initial=initial)

    def get_context_data(self, **kwargs):
        for key in ("slug", "pk", "step"):
            kwargs.pop(key, None)
        context = super().get_context_data(
            mission=self.mission,
            registration=self.registration,
            membership=self.membership,
            steps=_steps(),
            step=self.step,
            **kwargs,
        )
        if self.step == 2 and "form" not in context:
            restored = failed_post_restore(
                self.request, ParticipantsForm, initial=ParticipantsForm.initial_from(self.registration)
            )
            context["form"] = restored or self._step2_form()
        if self.step in (4, 5):
            shown = self._text_to_sign()
            context["text"] = shown.text if shown else None
            context["text_body"] = shown.body if shown else ""
            context["undertaking"] = shown.undertaking if shown else None
            context["answer"] = self.registration.draft_data.get("declaration")
            context["is_signatory"] = self._is_signatory()
            context["organisation_unverified"] = organisation_unverified(self.request.user, self.registration)
        if self.step == 4:
            context["reusable"] = reusable = self._reusable(context["text"])
            if reusable is not None:
                personal = getattr(reusable, "personal", None)
                same_person = reusable.user_id == self.request.user.pk and personal is not None
                context.setdefault(
                    "reuse_form",
                    ReuseDeclarationForm(
                        initial={
                            "reused_from": reusable.pk,
                            "reuse_position": personal.signatory_position if same_person else "",
                        }
                    ),
                )
            if self._is_signatory() and "form" not in context:
                context["form"] = failed_post_restore(self.request, DeclarationForm) or self._step4_form()
        if self.step == 5:
            context["participants"] = list(self.registration.participants.all())
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "next")
        user = request.user
        if self.step in (4, 5) and action != "back":  # a signature is given or submitted
            retry_after = rate_limit_exceeded(request, "declaration_sign", key="user")
            if retry_after is not None:
                return too_many_requests(request, retry_after)
        try:
            if self.step == 2:
                form = self._step2_form(request.POST)
                if action == "back":
                    raw = {k: v for k, v in request.POST.items() if k in form.fields}
                    registration_draft_save(registration=self.registration, actor=user, step=2, data={"step2": raw})
                    return redirect("missions:register_start", self.mission.slug)
                if not form.is_valid():
                    return self._failed(form)
                registration_draft_save(
                    registration=self.registration,
                    actor=user,
                    step=3,
                    participants=form.participants(),
                    motivation=form.cleaned_data["motivation"],
                    data={"step2": None},
                )
                return self._go(3)
            if self.step == 3:
                if action == "back":
                    return self._go(2)
                registration_draft_save(registration=self.registration, actor=user, step=4)
                return self._go(4)
            if self.step == 4:
                return self._post_step4(request, action)
            if self.step == 5:
                if action == "back":
                    return self._go(4)
                try:
                    registration = registration_submit(registration=self.registration, actor=user, request=request)
                except ReuseNoLongerValid as exc:
                    # Nothing was written; the re-used answer is dropped so a fresh signature is asked.
                    registration_draft_save(
                        registration=self.registration, actor=user, step=4, data={"declaration": None}
                    )
                    messages.error(request, exc.message)
                    return self._go(4)
                messages.success(request, _("Your registration has been submitted."))
                return redirect("my:registration", registration.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            if self.step == 5:
                return (
                    redirect("my:registration", self.registration.pk)
                    if (
                        self.registration.__class__.objects.filter(pk=self.registration.pk)
                        .exclude(status=RegistrationStatus.DRAFT)
                        .exists()
                    )
                    else self._go(5)
                )
            return self._go(self.step)
        raise Http404

    def _post_step4(self, request, action):
        user = request.user
        if action == "back":
            raw = {k: v for k, v in request.POST.items() if k in DeclarationForm.base_fields}
            registration_draft_save(registration=self.registration, actor=user, step=4, data={"step4": raw})
            return self._go(3)
        if not self._is_signatory():
            registration_draft_save(registration=self.registration, actor=user, step=5, data={"declaration": None})
            return self._go(5)
        text = self._text()
        if text is None:
            messages.error(request, _("There is no published declaration text yet. Please contact RVO."))
            return self._go(4)
        if action == "reuse":
            earlier = self._reusable(text)
            reuse_form = ReuseDeclarationForm(request.POST)
            if earlier is None or str(earlier.pk) != request.POST.get("reused_from"):
                messages.error(request, ReuseNoLongerValid.message)
                return self._go(4)
            if not reuse_form.is_valid():
                return self.render_to_response(self.get_context_data(reuse_form=reuse_form))
            answer = {
                "decision": "endorsed",
                "confirms_authority": True,
                "explanation": "",
                "text_id": text.pk,
                "signatory_name": user.full_name or user.email,
                "signatory_position": reuse_form.cleaned_data["reuse_position"].strip(),
                "reused_from_id": earlier.pk,
            }
            registration_draft_save(registration=self.registration, actor=user, step=5, data={"declaration": answer})
            return self._go(5)
        form = DeclarationForm(request.POST)
        if not form.is_valid():
            return self._failed(form)
        answer = {**form.cleaned_data, "text_id": text.pk, "reused_from_id": None}
        registration_draft_save(
            registration=self.registration, actor=user, step=5, data={"declaration": answer, "step4": None}
        )
        return self._go(5)


class BrochureOpenView(LoginRequiredMixin, View):
    """Logs that the IMVO brochure was opened from a registration, then shows it."""

    def get(self, request, slug, pk):
        registration, _membership = registration_get_for_member(user=request.user, registration_id=pk)
        if registration.mission.slug != slug:
            raise Http404
        brochure = resources.imvo_brochure(language=(get_language() or "nl")[:2])
        if brochure is None:
            messages.info(request, _("The IMVO brochure is not available yet. You can continue your registration."))
            return redirect("missions:register_step", slug, pk, 3)
        registration_brochure_opened(
            registration=registration, actor=request.user, version=brochure.version, request=request
        )
        # The brochure page offers a way back to this step of the registration.
        back = reverse("missions:register_step", args=[slug, pk, 3])
        return redirect(f"{brochure.url}?{urlencode({'return': back})}")
