"""Migrations cannot destroy evidence: rollbacks that reach an evidence app are refused up front."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from audit.migration_guard import EVIDENCE_APPS, EVIDENCE_GUARD, EvidenceRollbackRefused
from audit.services import audit_event_record
from declarations.checkpoints import checkpoint_write
from declarations.services import declarations_verify

#: Evidence migrations written before the guard existed (they cannot be edited); every later one,
#: except an empty merge, must start with ``EVIDENCE_GUARD``.
BEFORE_THE_GUARD = {
    "audit": 7,
    "declarations": 17,
}


def _applied() -> set[tuple[str, str]]:
    return set(MigrationLoader(connection).applied_migrations)


def test_every_new_evidence_migration_starts_with_the_guard():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app_label, name), migration in loader.disk_migrations.items():
        if app_label not in EVIDENCE_APPS or int(name[:4]) <= BEFORE_THE_GUARD[app_label]:
            continue
        if not migration.operations:  # a merge changes nothing
            continue
        assert migration.operations[0] is EVIDENCE_GUARD, (
            f"{app_label}.{name} changes an evidence app: make `audit.migration_guard.EVIDENCE_GUARD` its first "
            "operation, so that it is never unapplied while evidence exists"
        )


@pytest.mark.django_db(transaction=True)
def test_a_rollback_of_missions_that_would_unapply_declarations_is_refused_before_anything_changes():
    audit_event_record(action="test.evidence")  # evidence exists
    before = _applied()
    with pytest.raises(CommandError, match=r"Refused: this would unapply \d+ evidence migration\(s\) \(declarations"):
        call_command("migrate", "missions", "0002", verbosity=0, interactive=False)
    assert _applied() == before  # nothing was unapplied, missions included


@pytest.mark.django_db(transaction=True)
def test_the_first_operation_that_would_go_back_refuses_when_the_executor_is_driven_directly():
    audit_event_record(action="test.evidence")
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("audit")[0]
    parent = next(p.key for p in executor.loader.graph.node_map[leaf].parents if p.key[0] == "audit")
    with pytest.raises(EvidenceRollbackRefused, match="while the evidence tables hold records"):
        executor.migrate([parent])
    assert leaf in _applied()


@pytest.mark.django_db(transaction=True)
def test_migration_roundtrip_reports_each_app_and_verifies_the_evidence():
    audit_event_record(action="test.evidence")
    checkpoint_write()  # the genesis checkpoint (covers the audit event): the evidence verifies
    out = StringIO()
    call_command("migration_roundtrip", "--scratch", "--apps", "instruments", "missions", "declarations", stdout=out)
    lines = {line.split()[0]: line for line in out.getvalue().splitlines() if line.strip()}
    for app in ("instruments", "missions"):  # their step back does not reach declarations 0008
        assert lines[app].split()[1] == "ok" and "verify_declarations passes" in lines[app]
    assert lines["declarations"].split()[1] == "refused" and "Refused: this would unapply" in lines["declarations"]
    assert declarations_verify().ok
    assert set(MigrationLoader(connection).graph.leaf_nodes()) <= _applied()  # back at the latest


def test_migration_roundtrip_runs_only_on_a_scratch_database():
    with pytest.raises(CommandError, match="scratch"):
        call_command("migration_roundtrip")


def test_the_ci_script_runs_the_round_trip():
    assert "migration_roundtrip --scratch" in (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()


@pytest.mark.django_db
def test_the_guard_lets_an_empty_installation_go_back_and_stops_one_with_evidence():
    from types import SimpleNamespace

    from audit.migration_guard import evidence_rollback_guard

    back = [(SimpleNamespace(app_label="missions", name="0003_x"), True)]
    back_into_evidence = [*back, (SimpleNamespace(app_label="declarations", name="0008_x"), True)]
    forward = [(SimpleNamespace(app_label="declarations", name="0019_x"), False)]
    evidence_rollback_guard(sender=None, plan=back_into_evidence)  # nothing to lose yet
    audit_event_record(action="test.evidence")
    evidence_rollback_guard(sender=None, plan=back)  # other apps only
    evidence_rollback_guard(sender=None, plan=forward)  # forward is always fine
    with pytest.raises(CommandError, match=r"1 evidence migration\(s\) \(declarations.0008_x\).*audit_auditevent"):
        evidence_rollback_guard(sender=None, plan=back_into_evidence)
