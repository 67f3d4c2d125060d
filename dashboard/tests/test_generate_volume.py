"""generate_volume writes consistent synthetic volume (COPY on PostgreSQL, bulk_create elsewhere)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from dashboard.bulk import indexes_deferred
from dashboard.models import AttendanceRollup, FactChange, RefreshState, UptakeOrganisation, UptakeRollup
from dashboard.services import rollups_rebuild
from declarations.models import Declaration
from declarations.references import REFERENCE_RE, verification_code
from missions.models import Attendance, Registration

pytestmark = pytest.mark.django_db(transaction=True)


def _figures() -> dict:
    def rows(model):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in {"id", "updated_at"}]
        return sorted(model.objects.values_list(*fields))

    return {model.__name__: rows(model) for model in (UptakeRollup, AttendanceRollup, UptakeOrganisation)}


def _schema() -> list:
    """Every index, constraint and trigger of the database (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' UNION ALL "
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
            "|| condeferrable::text || condeferred::text || convalidated::text "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace UNION ALL "
            "SELECT tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger "
            "WHERE NOT tgisinternal ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def _generate_and_check():
    out = StringIO()
    call_command("generate_volume", organisations=300, declarations=2000, missions=10, stdout=out)
    assert Declaration.objects.count() == 2000
    registrations = Registration.objects.all()
    assert registrations.count() >= 1800
    # Each registration points at its latest record, written in the same pass.
    for registration in registrations.exclude(current_declaration=None)[:200]:
        latest = Declaration.objects.for_subject(registration).order_by("-sequence").first()
        assert registration.current_declaration_id == latest.pk
    assert Attendance.objects.exists()
    assert not FactChange.objects.exists()  # the load's changes are covered by the rebuild
    total = UptakeRollup.objects.get(year=0, country="", mission_id=0, sector="C", kind="company", size_class="sme")
    assert total.registrations > 0
    assert RefreshState.objects.get().facts == registrations.exclude(status="draft").count()
    # Every record has a receipt reference of its signing year, so a verification code.
    references = list(Declaration.objects.values_list("reference", flat=True))
    assert all(REFERENCE_RE.match(reference) for reference in references)
    assert len(set(references)) == len(references)
    record = Declaration.objects.order_by("?").first()
    assert record.reference[5:9] == str(record.signed_at.year) or record.signed_at.month in (1, 12)
    assert verification_code(record)
    report = StringIO()
    try:
        call_command("verify_declarations", stdout=report, stderr=report)
    except SystemExit:
        pytest.fail(report.getvalue()[:2000])
    # The figures equal a full rebuild made the ordinary way (indexes in place all along).
    figures = _figures()
    rollups_rebuild()
    assert _figures() == figures
    # A second run adds to the data (fresh ids from the sequences, references counted on).
    call_command("generate_volume", organisations=300, declarations=500, missions=10, stdout=out)
    assert Declaration.objects.count() == 2500
    references = list(Declaration.objects.values_list("reference", flat=True))
    assert len(set(references)) == 2500
    # The dashboard's change triggers are on again after the load.
    registration = Registration.objects.exclude(status="withdrawn").first()
    Registration.objects.filter(pk=registration.pk).update(status="withdrawn")
    assert FactChange.objects.filter(kind="r", key=registration.pk).exists()


def test_generate_volume_sqlite_or_default():
    _generate_and_check()


@pytest.mark.postgres
def test_generate_volume_with_copy_on_postgresql():
    schema = _schema()
    _generate_and_check()
    assert _schema() == schema  # every index, constraint and trigger is back as it was


@pytest.mark.postgres
def test_indexes_deferred_restores_everything_when_the_load_fails():
    schema = _schema()

    class LoadFailed(Exception):
        pass

    with pytest.raises(LoadFailed), transaction.atomic(), indexes_deferred(Declaration, Registration):
        assert _schema() != schema  # dropped for the load
        raise LoadFailed
    assert _schema() == schema
