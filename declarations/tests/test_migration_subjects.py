"""Migration 0011 on a database the previous release wrote: every record verifies, nothing moves.

Mission and instrument declarations are written at migration 0010 exactly as the previous release
wrote them (raw SQL, foreign-key subject columns, format 1 hashes); then the migrations run forward.
Every record still verifies with its own hash, the subject copy agrees with the hashed columns, the
instrument records signed with the missions' text are flagged, and no stored value changed.
"""

import secrets
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from audit.migration_guard import evidence_rollback_allowed
from declarations.checkpoints import checkpoint_write
from declarations.constants import GENESIS_HASH
from declarations.hashing import FORMAT_FIELDS, personal_hash, record_hash
from declarations.invitations import declarations_right_text_invite
from declarations.keys import current_chain_key
from declarations.models import Declaration
from declarations.protection import declarations_protect_sqlite
from declarations.services import declarations_verify
from instruments.models import InstrumentApplication
from instruments.tests.factories import InstrumentFactory
from missions.models import Registration
from missions.tests.factories import MissionFactory, RegistrationFactory, published_text
from notifications.models import OutboxMessage
from organisations.models import Organisation
from tests.factories import member_of

BEFORE = [("declarations", "0010_merge_reference_and_authority")]
# The columns the previous release wrote: format 1 names its fields by their columns.
OLD_COLUMNS = (*FORMAT_FIELDS[1], "key_id", "record_hash")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _latest():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor.loader.graph.leaf_nodes()


def _old_record(*, sequence, previous, text, organisation, user, registration=None, application=None):
    """A record as the previous release computed it (format 1: the serialisation has no format field)."""
    salt = secrets.token_hex(16)
    record = SimpleNamespace(
        format_version=1,
        sequence=sequence,
        reference=f"IMVO-2026-{sequence:06d}",
        legacy_registration_id=registration.pk if registration else None,
        legacy_instrument_application_id=application.pk if application else None,
        instrument_code=application.instrument.code if application else "",
        application_reference=application.reference if application else "",
        framework_level=application.level if application else None,
        organisation_id=organisation.pk,
        organisation_name=organisation.name,
        organisation_kvk=organisation.kvk_number,
        text_id=text.pk,
        text_version=text.version,
        text_language=text.language,
        text_sha256=text.sha256,
        decision="endorsed",
        explanation="",
        confirms_authority=True,
        authority="",
        user_id=user.pk,
        signed_at=timezone.now(),
        brochure_version="",
        reused_from_id=None,
        personal_hash=personal_hash(salt=salt, name="P. de Vries", position="CEO", ip_address=None, user_agent=""),
        previous_hash=previous,
        key_id=current_chain_key().key_id,
    )
    record.record_hash = record_hash(record)
    values = [getattr(record, {"registration_id": "legacy_registration_id"}.get(c, c), None) for c in OLD_COLUMNS]
    values[OLD_COLUMNS.index("instrument_application_id")] = record.legacy_instrument_application_id
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(OLD_COLUMNS))
        cursor.execute(
            f"INSERT INTO declarations_declaration ({', '.join(OLD_COLUMNS)}) VALUES ({marks})",  # noqa: S608
            values,
        )
        cursor.execute("SELECT id FROM declarations_declaration WHERE sequence = %s", [sequence])
        (pk,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO declarations_declarationpersonaldata (declaration_id, signatory_name, signatory_position,"
            " ip_address, user_agent, salt) VALUES (%s, 'P. de Vries', 'CEO', NULL, '', %s)",
            [pk, salt],
        )
    subject = registration or application
    type(subject).objects.filter(pk=subject.pk).update(current_declaration_id=pk)
    return record


def _records_of_the_previous_release_keep_verifying():
    latest = _latest()
    text = published_text()  # the missions' text: all the previous release had
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    registration = RegistrationFactory(mission=MissionFactory(), organisation=organisation, submitted_by=user)
    instrument = InstrumentFactory(kind="subsidy", code="WBSO-T")
    application = InstrumentApplication.objects.create(
        instrument=instrument, organisation=organisation, reference="AAN-1", level=2, created_by=user
    )
    try:
        # Back one step at a time, as ``manage.py migrate declarations 0011`` orders it (SQLite
        # cannot drop a column in the order a direct plan to 0010 unapplies the 0012s in).
        with evidence_rollback_allowed():  # throw-away records of a test (audit/migration_guard.py)
            _migrate([("declarations", "0011_declaration_subject_protocol")])
            _migrate(BEFORE)
        common = {"text": text, "organisation": organisation, "user": user}
        first = _old_record(sequence=1, previous=GENESIS_HASH, registration=registration, **common)
        second = _old_record(sequence=2, previous=first.record_hash, application=application, **common)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM declarations_declaration ORDER BY sequence")
            names = [c[0] for c in cursor.description]
            before = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        _migrate(latest)
        declarations_protect_sqlite(sender=None)  # as ``migrate`` does after the last migration (SQLite)
    mission_record, instrument_record = Declaration.objects.order_by("sequence")
    assert [r.record_hash for r in (mission_record, instrument_record)] == [first.record_hash, second.record_hash]
    assert (mission_record.format_version, mission_record.subject_type, mission_record.subject_id) == (
        1,
        "mission_registration",
        registration.pk,
    )
    assert (instrument_record.subject_type, instrument_record.subject_id) == ("instrument_application", application.pk)
    # Nothing else moved: every column the previous release wrote holds what it held.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(OLD_COLUMNS)} FROM declarations_declaration ORDER BY sequence")  # noqa: S608
        after = cursor.fetchall()
    assert after == [tuple(row[c] for c in OLD_COLUMNS) for row in before]
    # A chain without any checkpoint fails until the upgrade step anchors it (checkpoint_declarations).
    assert [p.code for p in declarations_verify().problems] == ["checkpoint_none"]
    assert checkpoint_write().number == 1  # no genesis after records: the first checkpoint anchors them
    assert declarations_verify().ok
    # The instrument record was signed with the missions' text: flagged, not rewritten.
    assert instrument_record.signed_with_other_kind_of_text
    assert not mission_record.signed_with_other_kind_of_text
    assert Registration.objects.get(pk=registration.pk).current_declaration_id == mission_record.pk
    # Its organisation's signatories are invited once, by e-mail, to sign the subsidy text.
    assert declarations_right_text_invite() == 1
    message = OutboxMessage.objects.get(kind="declaration.right_text")
    assert message.to == [user.email] and "WBSO-T" in message.body_text
    assert reverse("instruments:application", args=[application.pk]) in message.body_text
    assert declarations_right_text_invite() == 0
    # The append-only rule is back on.
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE declarations_declaration SET subject_id = 1")


@pytest.mark.django_db(transaction=True)
def test_records_of_the_previous_release_keep_verifying_after_the_migration():
    """On the configured database: SQLite in ``make test`` without services, PostgreSQL in CI."""
    _records_of_the_previous_release_keep_verifying()
