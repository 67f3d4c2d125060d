"""generate_volume writes consistent synthetic volume (COPY on PostgreSQL, bulk_create elsewhere)."""

from io import StringIO

import pytest
from django.core.management import call_command

from dashboard.models import FactChange, RefreshState, UptakeRollup
from declarations.models import Declaration
from missions.models import Registration
from staff.models import Attendance

pytestmark = pytest.mark.django_db(transaction=True)


def _generate_and_check():
    out = StringIO()
    call_command("generate_volume", organisations=300, declarations=2000, missions=10, stdout=out)
    assert Declaration.objects.count() == 2000
    registrations = Registration.objects.all()
    assert registrations.count() >= 1800
    # Each registration points at its latest record, written in the same pass.
    for registration in registrations.exclude(current_declaration=None)[:200]:
        latest = Declaration.objects.filter(registration=registration).order_by("-sequence").first()
        assert registration.current_declaration_id == latest.pk
    assert Attendance.objects.exists()
    assert not FactChange.objects.exists()  # the load's changes are covered by the rebuild
    total = UptakeRollup.objects.get(year=0, country="", mission_id=0, sector="C", kind="company", size_class="sme")
    assert total.registrations > 0
    assert RefreshState.objects.get().facts == registrations.exclude(status="draft").count()
    report = StringIO()
    try:
        call_command("verify_declarations", stdout=report, stderr=report)
    except SystemExit:
        pytest.fail(report.getvalue()[:2000])
    # A second run adds to the data (fresh ids from the sequences).
    call_command("generate_volume", organisations=300, declarations=500, missions=10, stdout=out)
    assert Declaration.objects.count() == 2500


def test_generate_volume_sqlite_or_default():
    _generate_and_check()


@pytest.mark.postgres
def test_generate_volume_with_copy_on_postgresql():
    _generate_and_check()
