"""Reads for the staff pages (RVO staff only: the views check ``webhook.manage``)."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from core import jobs

from .models import WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list() -> QuerySet[WebhookEndpoint]:
    """Every endpoint with its count of failed deliveries (one query)."""
    return (
        WebhookEndpoint.objects.defer("secret")
        .annotate(failed=Count("deliveries", filter=Q(deliveries__status=jobs.JobStatus.FAILED)))
        .order_by("name", "pk")
    )


def webhook_endpoint_get(*, pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.defer("secret"), pk=pk)


def webhook_deliveries_of(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-created_at", "-pk")


def webhook_delivery_get(*, pk: int) -> WebhookDelivery:
    return get_object_or_404(WebhookDelivery.objects.select_related("event", "endpoint"), pk=pk)
