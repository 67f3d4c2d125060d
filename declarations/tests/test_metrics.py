"""Evidence on /metrics (declarations/metrics.py): record count and the age of the last checkpoint."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from declarations.checkpoints import checkpoint_write

from .chain_tools import build_chain

pytestmark = pytest.mark.django_db

TOKEN = "evidence-metrics-token"


def _scrape(settings) -> dict[str, float]:
    settings.METRICS_TOKEN = TOKEN
    body = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    return {
        line.split(" ")[0]: float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("imvo_evidence_")
    }


def test_evidence_metrics_count_records_and_age_the_last_checkpoint(settings):
    assert _scrape(settings)["imvo_evidence_records"] == 0
    build_chain(3)
    checkpoint = checkpoint_write()
    build_chain(2)
    with time_machine.travel(checkpoint.created_at + timedelta(minutes=90), tick=False):
        metrics = _scrape(settings)
    assert metrics["imvo_evidence_records"] == 5
    assert metrics["imvo_evidence_checkpoints"] == checkpoint.number
    assert metrics["imvo_evidence_records_since_checkpoint"] == 5 - checkpoint.sequence
    assert metrics["imvo_evidence_last_checkpoint_age_seconds"] == pytest.approx(90 * 60, abs=1)
    assert checkpoint.created_at <= timezone.now()
