"""Writers racing to append to the audit trail on PostgreSQL, each thread with its own connection."""

import threading

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import audit_event_record
from audit.verification import audit_verify

WORKERS = 6
EVENTS = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_are_serialised_into_one_unbroken_chain():
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def work(n: int):
        try:
            barrier.wait(timeout=30)
            for i in range(EVENTS):
                with transaction.atomic():
                    audit_event_record(action="auth.login", ip_address=f"192.0.2.{n}", details={"i": i})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(1, WORKERS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    sequences = list(
        AuditEvent.objects.filter(sequence__isnull=False).order_by("sequence").values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, WORKERS * EVENTS + 1))
    result = audit_verify()
    assert result.problems == [] and result.checked == WORKERS * EVENTS
