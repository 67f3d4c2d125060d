"""Writers racing to append to the audit trail on PostgreSQL, each thread with its own connection."""

from functools import partial

import pytest
from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_event_record
from audit.verification import audit_verify
from tests.races import run_concurrently

WORKERS = 6
EVENTS = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_are_serialised_into_one_unbroken_chain():
    def work(n: int):
        for i in range(EVENTS):
            with transaction.atomic():
                audit_event_record(action="auth.login", ip_address=f"192.0.2.{n}", details={"i": i})

    results = run_concurrently([partial(work, n) for n in range(1, WORKERS + 1)])
    assert results.errors == []
    sequences = list(
        AuditEvent.objects.filter(sequence__isnull=False).order_by("sequence").values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, WORKERS * EVENTS + 1))
    result = audit_verify()
    assert result.problems == [] and result.checked == WORKERS * EVENTS
