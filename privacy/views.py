import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from accounts.ratelimit import RateLimitMixin
from declarations.typed_text import typed_text_retention_days
from organisations.policies import PolicyRequiredMixin, can

from .exceptions import AccountDeletionRefused
from .forms import AccountDeleteForm
from .retention import retention_days
from .services import (
    account_data_export,
    account_delete,
    account_delete_blocker,
    account_delete_link_check,
    account_delete_request,
)


class PrivacyStatementView(TemplateView):
    """The privacy statement, with the retention periods read from the settings."""

    template_name = "pages/privacy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            retention=retention_days(), typed_text_days=typed_text_retention_days(), **kwargs
        )


@method_decorator(never_cache, name="dispatch")
class MyDataView(PolicyRequiredMixin, TemplateView):
    """Everything the portal holds about the signed-in user, readable; the JSON has the same data."""

    policy = "account.data"
    template_name = "privacy/my_data.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            data=account_data_export(user=self.request.user),
            may_delete=can(self.request.user, "account.delete"),
            **kwargs,
        )


@method_decorator(never_cache, name="dispatch")
class MyDataJsonView(PolicyRequiredMixin, View):
    policy = "account.data"

    def get(self, request):
        data = {"exported_at": timezone.now().isoformat(), **account_data_export(user=request.user)}
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="imvo-my-data.json"'
        return response


@method_decorator(never_cache, name="dispatch")
class AccountDeleteView(PolicyRequiredMixin, RateLimitMixin, FormView):
    """Step 1: password (and second factor) again; then a confirmation link is e-mailed."""

    policy = "account.delete"
    ratelimits = [("account_delete", "user")]
    template_name = "privacy/delete.html"
    form_class = AccountDeleteForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        return super().get_context_data(blocker=account_delete_blocker(user=self.request.user), **kwargs)

    def form_valid(self, form):
        try:
            account_delete_request(user=self.request.user, request=self.request)
        except AccountDeletionRefused as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        return render(
            self.request,
            "privacy/delete_sent.html",
            {"email": self.request.user.email, "hours": settings.ACCOUNT_DELETE_LINK_MAX_AGE // 3600},
        )


@method_decorator(never_cache, name="dispatch")
class AccountDeleteConfirmView(PolicyRequiredMixin, RateLimitMixin, View):
    """Step 2: the link from the e-mail, opened while signed in; a button erases the account."""

    policy = "account.delete"
    ratelimits = [("account_delete", "user")]

    def get(self, request, token):
        try:
            account_delete_link_check(token=token, user=request.user)
        except AccountDeletionRefused as error:
            return render(request, "privacy/delete_link_invalid.html", {"reason": error.message}, status=400)
        return render(request, "privacy/delete_confirm.html", {"blocker": account_delete_blocker(user=request.user)})

    def post(self, request, token):
        try:
            account_delete(user=request.user, token=token, request=request)
            request.user.refresh_from_db()  # erased and inactive: the logout below records nothing personal
        except AccountDeletionRefused as error:
            return render(request, "privacy/delete_link_invalid.html", {"reason": error.message}, status=400)
        logout(request)
        messages.success(request, _("Your account has been deleted and your personal data erased."))
        return redirect("home")
