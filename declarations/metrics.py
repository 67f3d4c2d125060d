"""Evidence metrics for ``/metrics`` (registered with ``core.metrics.register_collector``).

``imvo_evidence_records`` is the highest declaration sequence number (records are append-only and
numbered without gaps, so it is their count, read from the unique index instead of a full count);
``imvo_evidence_checkpoints`` the highest checkpoint number and ``imvo_evidence_last_checkpoint_age_seconds``
the age of the newest checkpoint (an alert when it grows past the hourly schedule); and
``imvo_evidence_records_since_checkpoint`` the records not yet covered by one.
"""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .models import Checkpoint, Declaration


def evidence_metrics():
    head = Declaration.objects.aggregate(head=Max("sequence"))["head"] or 0
    yield GaugeMetricFamily("imvo_evidence_records", "Declaration records (highest sequence number)", value=head)
    checkpoint = Checkpoint.objects.order_by("-number").only("number", "sequence", "created_at").first()
    yield GaugeMetricFamily(
        "imvo_evidence_checkpoints", "Signed checkpoints (highest number)", value=checkpoint.number if checkpoint else 0
    )
    covered = checkpoint.sequence if checkpoint else 0
    yield GaugeMetricFamily(
        "imvo_evidence_records_since_checkpoint", "Records not yet covered by a checkpoint", value=head - covered
    )
    if checkpoint is not None:
        age = (timezone.now() - checkpoint.created_at).total_seconds()
        yield GaugeMetricFamily(
            "imvo_evidence_last_checkpoint_age_seconds", "Seconds since the newest checkpoint", value=max(age, 0)
        )
