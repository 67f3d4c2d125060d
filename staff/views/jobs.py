"""Failed background work of every kind (e-mail, brochure PDFs, receipts, checkpoint copies): a
list for RVO staff with a retry button per job (``core.jobs``)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from core import jobs
from core.exceptions import DomainError
from organisations.policies import safe_next_url

from ..constants import PAGE_SIZE
from ..selectors import failed_jobs
from ..services.jobs import job_retry
from .base import StaffPageMixin


class JobListView(StaffPageMixin, ListView):
    """Jobs that failed (a permanent error) or were given up (every attempt used), newest first."""

    template_name = "staff/job_list.html"
    section = "jobs"
    paginate_by = PAGE_SIZE
    context_object_name = "failed_jobs"

    def get_queryset(self):
        return failed_jobs()


class JobRetryView(StaffPageMixin, View):
    """POST: queue a failed job again through its kind's own (audited) retry service."""

    def post(self, request, kind, pk):
        job_kind = jobs.kind_get(kind)
        if job_kind is None:
            raise Http404
        job = get_object_or_404(job_kind.queryset(job_kind.model._default_manager.all()), pk=pk)
        try:
            job_retry(kind=job_kind, job=job, actor=request.user, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(kind)s “%(job)s” was queued again.") % {"kind": job_kind.label, "job": job_kind.describe(job)},
            )
        return redirect(safe_next_url(request, request.POST.get("next"), reverse("staff:job_list")))
