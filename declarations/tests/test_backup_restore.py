"""``manage.py backup`` / ``restore`` against real PostgreSQL (issue 27, "Done when", the first line).

Take a backup, sign more declarations (and checkpoint them), restore, sign again: the evidence
verifies and names the restore and the lost references, no reference is issued twice, the receipts
issued before the backup verify on ``/verify/`` (those of the gap are explained), the dashboard's
figures are those of the backup, and the portal's role has its privileges again (``db_roles``).
"""

from io import StringIO

import psycopg2
import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import translation
from psycopg2 import errors

from dashboard.models import UptakeRollup
from dashboard.selectors import Filters, dashboard_report, missions_known
from dashboard.services import rollups_rebuild
from declarations.checkpoints import checkpoint_storage_name, checkpoint_write
from declarations.models import Checkpoint, Declaration
from declarations.references import REFERENCE_FIND_RE, verification_code
from declarations.services import declarations_verify
from missions.tests.factories import MissionFactory, published_text

from .chain_tools import sign
from .test_db_roles import app_role  # noqa: F401  (the portal's role on the test database)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _figures() -> list[tuple[str, str]]:
    report = dashboard_report(
        filters=Filters(), missions=missions_known(), language="en", source=UptakeRollup.objects.all()
    )
    return [(str(label), cell.text) for label, cell, _help in report.headline]


def _verdict(client, declaration_reference: str, code: str) -> str:
    with translation.override("en"):
        page = client.get("/verify/", {"reference": declaration_reference, "code": code}).content.decode()
    for verdict in ("in-register", "lost-in-restore"):
        if f'data-verdict="{verdict}"' in page:
            return verdict
    return "not found"


def test_backup_sign_restore_sign_keeps_the_evidence_whole(tmp_path, settings, client, app_role):  # noqa: F811
    settings.DECLARATION_CHECKPOINT_EVERY = 100
    text = published_text()
    mission = MissionFactory(capacity_max=20)
    before = [sign(text, mission=mission) for _ in range(3)]
    checkpoint_write()  # its storage copy is written on commit
    rollups_rebuild()
    figures = _figures()
    codes = {record.reference: verification_code(record) for record in before}

    out = StringIO()
    call_command("backup", str(tmp_path / "backup"), stdout=out)
    assert "Backup in" in out.getvalue() and "checkpoint 1" in out.getvalue()

    gap = [sign(text, mission=mission) for _ in range(2)]
    gap_codes = {record.reference: verification_code(record) for record in gap}
    lost_checkpoint = checkpoint_write()
    rollups_rebuild()
    assert _figures() != figures

    out = StringIO()
    call_command("restore", str(tmp_path / "backup"), "--yes", app_role=app_role["user"], stdout=out)
    assert "roles granted" in out.getvalue()
    assert f"checkpoints {lost_checkpoint.number}-{lost_checkpoint.number}" in out.getvalue()
    assert set(REFERENCE_FIND_RE.findall(out.getvalue())) == set(gap_codes)

    # The restored register: the backup's records, a restore checkpoint after the lost one, figures as backed up.
    assert sorted(Declaration.objects.values_list("reference", flat=True)) == sorted(codes)
    restore = Checkpoint.objects.order_by("-number").first()
    assert (restore.number, restore.reason) == (lost_checkpoint.number + 1, "restore")
    assert storages["evidence"].exists(checkpoint_storage_name(lost_checkpoint.number))  # kept, not overwritten
    assert _figures() == figures
    rollups_rebuild()
    assert _figures() == figures

    out = StringIO()
    call_command("verify_declarations", stdout=out)
    report = out.getvalue()
    assert "declarations verified" in report
    assert f"restore: restored to checkpoint {lost_checkpoint.number - 1}" in report
    assert all(reference in report for reference in gap_codes)

    again = [sign(text, mission=mission) for _ in range(2)]
    checkpoint_write()
    references = list(Declaration.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 5
    assert not {record.reference for record in again} & set(gap_codes)  # never issued twice
    result = declarations_verify()
    assert result.ok, result.problems
    assert result.restores[0].lost_references == tuple(sorted(gap_codes))

    for reference, code in codes.items():
        assert _verdict(client, reference, code) == "in-register"
    for reference, code in gap_codes.items():
        assert _verdict(client, reference, code) == "lost-in-restore"

    # The portal's role reads and appends again, and still cannot remove evidence.
    with psycopg2.connect(**app_role) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM declarations_declaration")
        assert cursor.fetchone()[0] == 5
        with pytest.raises(errors.InsufficientPrivilege):
            cursor.execute("DELETE FROM declarations_declaration")
