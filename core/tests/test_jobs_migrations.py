"""The move of the outbox, renditions and receipts onto core.jobs keeps their data.

Rows are written at the migration before the move, with the old field names (a live claim, an
error, a sent or rendered time); the migrations then run forward and the same values are found
under the shared names, with ``finished_at`` filled from ``sent_at`` / ``rendered_at``.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("notifications", "0004_outbox_secret_values_filled_at_sending"),
    ("brochures", "0003_merge_0002_brochure_instrument_0002_published_html"),
    ("declarations", "0017_merge_20261206_1338"),
]


def _executor():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_claims_errors_and_finish_times_survive_the_move_to_core_jobs():
    executor = _executor()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    now = timezone.now().replace(microsecond=0)
    lease = now + timedelta(minutes=5)
    outbox = old.get_model("notifications", "OutboxMessage")
    sending = outbox.objects.create(
        to=["a@example.org"], subject="A", body_text="x", status="sending", claim_token="c" * 32, lease_until=lease
    )
    sent = outbox.objects.create(to=["b@example.org"], subject="B", body_text="x", status="sent", sent_at=now)
    brochure = old.get_model("brochures", "Brochure").objects.create(slug="imvo", kind="imvo")
    version = old.get_model("brochures", "BrochureVersion").objects.create(
        brochure=brochure,
        language="nl",
        number=1,
        title="IMVO",
        content_sha256="a" * 64,
        status="published",
        published_at=now,
    )
    rendition = old.get_model("brochures", "Rendition").objects.create(
        version=version,
        content_sha256="a" * 64,
        language="nl",
        template_version="1",
        status="failed",
        error="Kapot.",
        attempts=5,
        claim_token="r" * 32,
        lease_until=lease,
    )

    executor = _executor()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from brochures.models import Rendition
    from notifications.models import OutboxMessage

    sending_now = OutboxMessage.objects.get(pk=sending.pk)
    assert (sending_now.lease_token, sending_now.lease_expires_at, sending_now.finished_at) == ("c" * 32, lease, None)
    assert OutboxMessage.objects.get(pk=sent.pk).finished_at == now
    rendition_now = Rendition.objects.get(pk=rendition.pk)
    assert (rendition_now.last_error, rendition_now.attempts) == ("Kapot.", 5)
    assert (rendition_now.lease_token, rendition_now.lease_expires_at) == ("r" * 32, lease)
