"""The offline verification bundle: export command + stand-alone script, on a real chain."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from declarations.keys import checkpoint_signing_key, public_key_text

from .chain_tools import build_chain

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_bundle.py"


def _run(bundle_path: Path, *args: str) -> subprocess.CompletedProcess:
    # A fresh interpreter without Django on the path: the script needs only cryptography + stdlib.
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(bundle_path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=bundle_path.parent,
    )


@pytest.fixture
def exported(settings, tmp_path):
    settings.DECLARATION_CHECKPOINT_EVERY = 3
    records = build_chain(7)
    path = tmp_path / "bundle.json"
    call_command("export_verification_bundle", output=str(path))
    return records, path


def _key() -> str:
    return public_key_text(checkpoint_signing_key().public_key)


def test_the_bundle_holds_keys_checkpoints_and_hashes_but_nothing_personal(exported):
    records, path = exported
    bundle = json.loads(path.read_text())
    assert bundle["format"] == "imvo-verification-bundle/1"
    assert list(bundle["public_keys"].values()) == [_key()]
    # The genesis (before the first record), every 3 records, and the one export wrote over the head.
    assert [c["payload"]["sequence"] for c in bundle["checkpoints"]] == [0, 3, 6, 7]
    assert bundle["checkpoints"][-1]["payload"]["reason"] == "bundle"
    assert [r["sequence"] for r in bundle["records"]] == list(range(1, 8))
    assert set(bundle["records"][0]) == {"sequence", "reference", "previous_hash", "record_hash"}
    text = path.read_text()
    for record in records:
        assert record.personal.signatory_name not in text and record.organisation_name not in text


def test_the_script_verifies_the_bundle_and_a_receipt(exported):
    records, path = exported
    receipt = records[4]
    result = _run(path, "--public-key", _key(), "--reference", receipt.reference, "--record-hash", receipt.record_hash)
    assert result.returncode == 0, result.stderr
    assert "VERIFIED" in result.stdout and f"record #{receipt.sequence}) is in the chain" in result.stdout
    assert "checkpoint 2" in result.stdout  # #5 is covered by the checkpoint at #6


def test_the_script_warns_without_a_trusted_key_and_refuses_another_key(exported, tmp_path):
    _records, path = exported
    assert "warning" in _run(path).stdout
    other = base64.b64encode(b"\x01" * 32).decode()
    result = _run(path, "--public-key", other)
    assert result.returncode == 1 and "not trusted" in result.stderr


def _tampered(path: Path, change) -> Path:
    bundle = json.loads(path.read_text())
    change(bundle)
    out = path.with_name("tampered.json")
    out.write_text(json.dumps(bundle))
    return out


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("record hash", lambda b: b["records"][2].update(record_hash="f" * 64), "previous hash is not"),
        ("deleted record", lambda b: b["records"].pop(3), "expected #4"),
        ("deleted tail", lambda b: b["records"].pop(), "head record #7 is missing"),
        ("swapped records", lambda b: b["records"].__setitem__(slice(1, 3), b["records"][2:0:-1]), "expected #2"),
        ("checkpoint field", lambda b: b["checkpoints"][0]["payload"].update(record_count=2), "signature"),
        ("checkpoint head", lambda b: b["checkpoints"][1]["payload"].update(record_hash="0" * 64), "signature"),
        ("signature", lambda b: b["checkpoints"][2].update(signature=b["checkpoints"][1]["signature"]), "signature"),
        ("dropped checkpoint", lambda b: b["checkpoints"].pop(1), "unexpected number"),
        ("format", lambda b: b.update(format="other"), "not a verification bundle"),
    ],
)
def test_a_tampered_bundle_fails(exported, name, change, expected):
    _records, path = exported
    result = _run(_tampered(path, change), "--public-key", _key())
    assert result.returncode == 1, name
    assert expected in result.stderr, (name, result.stderr)


def test_a_receipt_not_in_the_chain_fails(exported):
    _records, path = exported
    result = _run(path, "--public-key", _key(), "--reference", "IMVO-2099-000001")
    assert result.returncode == 1 and "not in the bundle" in result.stderr
