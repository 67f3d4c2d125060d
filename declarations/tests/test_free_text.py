"""Free text out of the evidence (issue 23, item 4): what a person types (why not endorsed, a
withdrawal, rejection or cancellation reason) is committed by a salted hash in an erasable part,
never kept in clear in a declaration record or in the append-only audit trail."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent, AuditEventPersonal
from dashboard.tests.helpers import make_mission, register
from declarations.constants import RECORD_FORMAT_3, Decision
from declarations.hashing import personal_hash, record_hash
from declarations.models import Declaration
from declarations.services import declaration_personal_data_erase, declarations_verify
from missions.services import mission_transition, registration_reject, registration_withdraw
from privacy.retention import retention_erase
from tests.factories import StaffUserFactory

from .chain_tools import build_chain, tamper

pytestmark = pytest.mark.django_db

REASON = "Jan Jansen van de OR is tegen deze missie (typed-reason-7f3a)"
MARKER = "typed-reason-7f3a"


def _tables_holding(marker: str) -> list[str]:
    """Every table with a row whose text holds ``marker`` (raw SQL: what an insider would read)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the database itself
            if any(marker in str(value) for row in cursor.fetchall() for value in row):
                found.append(table)
    return found


@pytest.fixture
def withdrawn():
    registration = register(make_mission(), decision=Decision.ENDORSED)
    registration_withdraw(registration=registration, actor=registration.submitted_by, reason=REASON)
    return registration


def test_a_withdrawal_reason_is_committed_in_the_personal_part_not_in_the_record(withdrawn):
    record = Declaration.objects.select_related("personal").get(subject_id=withdrawn.pk, decision=Decision.WITHDRAWN)
    assert record.format_version == RECORD_FORMAT_3
    assert record.explanation == "" and record.personal.explanation == REASON
    assert record.typed_explanation == REASON
    assert declarations_verify().ok
    event = AuditEvent.objects.get(action="registration.withdraw")
    assert MARKER not in str(event.details) and event.personal.details == {"reason_text": REASON}
    assert set(_tables_holding(MARKER)) <= {
        "declarations_declarationpersonaldata",
        "audit_auditeventpersonal",
        "missions_registration",
        "notifications_outboxmessage",
    }


def test_a_changed_explanation_breaks_the_salted_hash(withdrawn):
    record = Declaration.objects.get(subject_id=withdrawn.pk, decision=Decision.WITHDRAWN)
    tamper(
        "UPDATE declarations_declarationpersonaldata SET explanation = 'Iets anders' WHERE declaration_id = %s",
        [record.pk],
    )
    assert [(p.sequence, p.code) for p in declarations_verify().problems] == [(record.sequence, "personal_mismatch")]


def test_a_not_endorsed_explanation_is_apart_and_erasing_it_keeps_the_chain(settings):
    registration = register(make_mission(), decision=Decision.NOT_ENDORSED)
    record = Declaration.objects.select_related("personal").get(subject_id=registration.pk)
    assert record.explanation == "" and record.personal.explanation == "Nog in overleg met de raad van bestuur."
    assert declaration_personal_data_erase(declaration=record)
    record = Declaration.objects.select_related("personal").get(pk=record.pk)
    assert record.personal.explanation == "" and record.typed_explanation == ""
    assert declarations_verify().ok


def test_erasure_leaves_the_chain_verifiable_and_the_reason_in_no_table(withdrawn, settings):
    staff = StaffUserFactory()
    rejected = register(make_mission(), decision=None, status="held_for_review")
    registration_reject(registration=rejected, actor=staff, reason=f"Afgewezen: {REASON}")
    mission = make_mission()
    register(mission, decision=None)
    mission_transition(actor=staff, mission=mission, action="cancel", reason=f"Geannuleerd: {REASON}")
    assert not [row for row in AuditEvent.objects.values_list("details", flat=True) if MARKER in str(row)]
    assert _tables_holding(MARKER)
    retention_erase(now=timezone.now() + timedelta(days=settings.RETENTION_DAYS["declaration_personal_data"] + 1))
    assert declarations_verify().ok
    # What may stay: mail not yet handed to the worker (erased once sent, by the outbox period).
    assert set(_tables_holding(MARKER)) <= {"notifications_outboxmessage"}
    assert not AuditEventPersonal.objects.filter(details__has_key="reason_text").exists()


def _as_format_2(record: Declaration) -> Declaration:
    """Rewrite the head record as the previous release wrote it (format 2: explanation in the record)."""
    record = Declaration.objects.select_related("personal").get(pk=record.pk)
    personal = record.personal
    record.format_version, record.explanation = 2, personal.explanation
    record.personal_hash = personal_hash(
        salt=personal.salt,
        name=personal.signatory_name,
        position=personal.signatory_position,
        ip_address=personal.ip_address,
        user_agent=personal.user_agent,
    )
    record.record_hash = record_hash(record)
    tamper(
        "UPDATE declarations_declaration SET format_version = 2, explanation = %s, personal_hash = %s, "
        "record_hash = %s WHERE id = %s",
        [record.explanation, record.personal_hash, record.record_hash, record.pk],
    )
    tamper("UPDATE declarations_declarationpersonaldata SET explanation = '' WHERE declaration_id = %s", [record.pk])
    return Declaration.objects.select_related("personal").get(pk=record.pk)


def test_format_2_records_keep_verifying_unchanged_and_their_explanation_stays_committed():
    registration = register(make_mission(), decision=Decision.NOT_ENDORSED)
    record = _as_format_2(Declaration.objects.get(subject_id=registration.pk))
    assert record.explanation == "Nog in overleg met de raad van bestuur." == record.typed_explanation
    assert declarations_verify().ok
    tamper("UPDATE declarations_declaration SET explanation = 'Anders' WHERE id = %s", [record.pk])
    assert [p.code for p in declarations_verify().problems] == ["hash_mismatch"]
    # A format 2 record's hash does not commit an explanation in the personal part: one there is forged.
    tamper("UPDATE declarations_declaration SET explanation = %s WHERE id = %s", [record.explanation, record.pk])
    tamper("UPDATE declarations_declarationpersonaldata SET explanation = 'X' WHERE declaration_id = %s", [record.pk])
    assert [p.code for p in declarations_verify().problems] == ["personal_mismatch"]


def test_an_explanation_in_a_format_3_record_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    record = build_chain(1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        tamper("UPDATE declarations_declaration SET explanation = 'in clear' WHERE id = %s", [record.pk])
