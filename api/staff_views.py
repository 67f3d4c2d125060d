"""RVO staff manage the API's machine clients: create (the secret is shown once), give a new
secret, revoke. Every change is an audit event (``api.services``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView

from organisations.policies import PolicyRequiredMixin

from .constants import SCOPE_LABELS
from .forms import ApiClientForm
from .models import ApiClient
from .services import api_client_create, api_client_revoke, api_client_rotate


class ApiClientStaffMixin(PolicyRequiredMixin):
    policy = "staff.access"
    permission_denied_message = _("The back-office is for RVO staff only.")


class ApiClientListView(ApiClientStaffMixin, ListView):
    template_name = "api/client_list.html"
    context_object_name = "clients"
    paginate_by = 50

    def get_queryset(self):
        return ApiClient.objects.select_related("created_by").order_by("revoked_at", "name", "pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(section="api_clients", scope_labels=SCOPE_LABELS, **kwargs)


def _secret_page(request, client: ApiClient, secret: str, *, rotated: bool):
    """The one time the secret is shown: rendered, never stored, never cached."""
    return render(
        request,
        "api/client_secret.html",
        {"client": client, "secret": secret, "rotated": rotated, "section": "api_clients"},
    )


@method_decorator(never_cache, name="dispatch")
class ApiClientCreateView(ApiClientStaffMixin, View):
    def get(self, request):
        return render(request, "api/client_form.html", {"form": ApiClientForm(), "section": "api_clients"})

    def post(self, request):
        form = ApiClientForm(request.POST)
        if form.is_valid():
            try:
                client, secret = api_client_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    request=request,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _secret_page(request, client, secret, rotated=False)
        return render(request, "api/client_form.html", {"form": form, "section": "api_clients"}, status=400)


@method_decorator(never_cache, name="dispatch")
class ApiClientRotateView(ApiClientStaffMixin, View):
    def post(self, request, pk):
        client = get_object_or_404(ApiClient, pk=pk)
        try:
            secret = api_client_rotate(actor=request.user, client=client, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("api_staff:client_list")
        return _secret_page(request, client, secret, rotated=True)


class ApiClientRevokeView(ApiClientStaffMixin, View):
    def post(self, request, pk):
        client = get_object_or_404(ApiClient, pk=pk)
        api_client_revoke(actor=request.user, client=client, request=request)
        messages.success(
            request, _("The client “%(name)s” was revoked; its tokens no longer work.") % {"name": client.name}
        )
        return redirect("api_staff:client_list")
