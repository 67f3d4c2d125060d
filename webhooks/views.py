"""RVO staff's webhook pages under /staff/webhooks/: thin views over ``services`` and ``selectors``."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from core.exceptions import DomainError
from organisations.policies import PolicyRequiredMixin

from . import selectors, services
from .constants import PAGE_SIZE
from .exceptions import EndpointInvalid
from .forms import EndpointForm

# The session key that carries a new secret from the POST to the page that shows it once.
SECRET_SESSION_KEY = "webhooks:new-secret"


class WebhookStaffMixin(PolicyRequiredMixin):
    policy = "webhook.manage"
    permission_denied_message = gettext_lazy("The back-office is for RVO staff only.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(section="webhooks", **kwargs)


def _secret_flash(request, endpoint_pk: int, secret: str) -> None:
    request.session[SECRET_SESSION_KEY] = {"endpoint": endpoint_pk, "secret": secret}


class EndpointListView(WebhookStaffMixin, ListView):
    template_name = "webhooks/endpoint_list.html"
    context_object_name = "endpoints"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.webhook_endpoint_list()


class EndpointCreateView(WebhookStaffMixin, View):
    def get(self, request):
        return self._page(EndpointForm())

    def post(self, request):
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = services.webhook_endpoint_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    url=form.cleaned_data["url"],
                    event_types=form.cleaned_data["event_types"],
                    request=request,
                )
            except EndpointInvalid as error:
                form.add_error(error.field, error.message)
            else:
                _secret_flash(request, endpoint.pk, secret)
                return redirect("webhooks:endpoint_detail", pk=endpoint.pk)
        return self._page(form)

    def _page(self, form):
        return render(
            self.request,
            "webhooks/endpoint_form.html",
            {"form": form, "title": _("New webhook endpoint"), "section": "webhooks"},
        )


class EndpointEditView(WebhookStaffMixin, View):
    def load_objects(self):
        self.endpoint = selectors.webhook_endpoint_get(pk=self.kwargs["pk"])

    def get(self, request, pk):
        initial = {
            "name": self.endpoint.name,
            "url": self.endpoint.url,
            "event_types": self.endpoint.event_types,
            "is_active": self.endpoint.is_active,
        }
        return self._page(EndpointForm(initial=initial))

    def post(self, request, pk):
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                services.webhook_endpoint_update(
                    endpoint=self.endpoint,
                    actor=request.user,
                    request=request,
                    **form.cleaned_data,
                )
            except EndpointInvalid as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(request, _("The endpoint has been saved."))
                return redirect("webhooks:endpoint_detail", pk=self.endpoint.pk)
        return self._page(form)

    def _page(self, form):
        return render(
            self.request,
            "webhooks/endpoint_form.html",
            {"form": form, "endpoint": self.endpoint, "title": _("Edit webhook endpoint"), "section": "webhooks"},
        )


class EndpointDetailView(WebhookStaffMixin, ListView):
    """The endpoint and its deliveries, newest first (paginated); a new secret is shown here once."""

    template_name = "webhooks/endpoint_detail.html"
    context_object_name = "deliveries"
    paginate_by = PAGE_SIZE

    def load_objects(self):
        self.endpoint = selectors.webhook_endpoint_get(pk=self.kwargs["pk"])

    def get_queryset(self):
        return selectors.webhook_deliveries_of(endpoint=self.endpoint)

    def get_context_data(self, **kwargs):
        flash = self.request.session.pop(SECRET_SESSION_KEY, None)
        secret = flash["secret"] if flash and flash.get("endpoint") == self.endpoint.pk else None
        return super().get_context_data(endpoint=self.endpoint, new_secret=secret, **kwargs)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"  # it may show the secret
        return response


class EndpointDisableView(WebhookStaffMixin, View):
    def load_objects(self):
        self.endpoint = selectors.webhook_endpoint_get(pk=self.kwargs["pk"])

    def post(self, request, pk):
        services.webhook_endpoint_disable(endpoint=self.endpoint, actor=request.user, request=request)
        messages.success(request, _("The endpoint is disabled: nothing more is sent to it."))
        return redirect("webhooks:endpoint_detail", pk=self.endpoint.pk)


class EndpointSecretRotateView(WebhookStaffMixin, View):
    def load_objects(self):
        self.endpoint = selectors.webhook_endpoint_get(pk=self.kwargs["pk"])

    def post(self, request, pk):
        secret = services.webhook_endpoint_secret_rotate(endpoint=self.endpoint, actor=request.user, request=request)
        _secret_flash(request, self.endpoint.pk, secret)
        return redirect("webhooks:endpoint_detail", pk=self.endpoint.pk)


class DeliveryResendView(WebhookStaffMixin, View):
    def load_objects(self):
        self.delivery = selectors.webhook_delivery_get(pk=self.kwargs["pk"])

    def post(self, request, pk):
        try:
            services.webhook_delivery_resend(delivery=self.delivery, actor=request.user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The event will be sent again shortly."))
        return redirect("webhooks:endpoint_detail", pk=self.delivery.endpoint_id)
