"""The offline verification bundle: export command + stand-alone script, on a real chain."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from declarations.checkpoints import checkpoint_write
from declarations.keys import checkpoint_signing_key, public_key_text
from declarations.services import declarations_verify

from .chain_tools import (
    build_chain,
    bundle_file,
    checkpoints_delete,
    records_delete,
    rewrite_with_keys,
    sign,
    store_all_copies,
    verify_command,
)

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
    return records, bundle_file(tmp_path / "bundle.json")


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


# --since: a newer bundle, or the register itself, extends an older bundle.


@pytest.fixture
def old_and_new(exported, tmp_path):
    """The bundle of 7 records, then 2 more records and a newer bundle."""
    records, old = exported
    sign(records[0].text)
    sign(records[0].text)
    new = bundle_file(tmp_path / "new.json")
    return old, new


def test_a_newer_bundle_extends_the_older_one(old_and_new):
    old, new = old_and_new
    result = _run(new, "--since", str(old), "--public-key", _key())
    assert result.returncode == 0, result.stderr
    assert "extends the older bundle: its 4 checkpoints and 7 records are unchanged" in result.stdout
    assert _run(old, "--since", str(old), "--public-key", _key()).returncode == 0  # a bundle extends itself


def _records_swapped(bundle):
    bundle["records"][3], bundle["records"][4] = bundle["records"][4], bundle["records"][3]


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("record edited", lambda b: b["records"][4].update(reference="IMVO-2099-000009"), "record #5 of the older"),
        ("truncated", lambda b: b["records"].__delitem__(slice(5, None)), "record #6 of the older bundle is missing"),
        ("reordered", _records_swapped, "record #4 of the older bundle differs in the newer one at position 4"),
        ("checkpoint dropped", lambda b: b["checkpoints"].pop(2), "checkpoint 2 of the older bundle is missing"),
        (
            "checkpoint changed",
            lambda b: b["checkpoints"][1]["payload"].update(created_at="2020-01-01T00:00:00.000000Z"),
            "checkpoint 1 differs from the older bundle",
        ),
    ],
)
def test_a_newer_bundle_that_does_not_extend_the_older_one_names_the_first_divergence(
    old_and_new, name, change, expected
):
    old, new = old_and_new
    result = _run(_tampered(new, change), "--since", str(old), "--public-key", _key())
    assert result.returncode == 1, name
    assert expected in result.stderr, (name, result.stderr)


def test_the_register_extends_an_older_bundle(old_and_new):
    old, _new = old_and_new
    code, out, _err = verify_command("--since", str(old))
    assert code == 0 and f"extends {old}" in out


def test_a_rewrite_with_every_key_verifies_on_its_own_but_not_since_an_older_bundle(exported):
    """Level 3 (database, storage and both keys): record #5 rewritten, the chain re-hashed, checkpoints
    re-signed and their copies replaced. Only a bundle exported before shows it."""
    _records, old = exported
    rewrite_with_keys(5, decision="not_endorsed")
    assert declarations_verify().ok
    result = declarations_verify(since=json.loads(old.read_text()))
    assert [(p.code, p.checkpoint, p.sequence) for p in result.problems] == [
        ("since_checkpoint", 2, None),  # the first checkpoint over #5 (at #6), re-signed
        ("since_record", None, 5),
    ]
    code, _out, err = verify_command("--since", str(old))
    assert code == 1 and "record #5 of the older bundle differs" in err


def test_the_newest_checkpoint_deleted_with_its_copy_and_records_shows_only_since_an_older_bundle(exported):
    """Level 2 with a storage folder it may write (no object lock): the newest checkpoint, its copy and the
    records after the checkpoint before it are deleted; the portal then issues that number again. Nothing
    left in the database or storage shows it (verify_declarations passes); an earlier bundle does."""
    records, old = exported
    checkpoints_delete([3], with_copies=True)  # the bundle checkpoint over #7
    records_delete([7])
    sign(records[0].text)
    reissued = checkpoint_write()
    store_all_copies()
    assert (reissued.number, reissued.sequence) == (3, 7)
    assert declarations_verify().ok
    result = declarations_verify(since=json.loads(old.read_text()))
    assert [(p.code, p.checkpoint, p.sequence) for p in result.problems] == [
        ("since_checkpoint", 3, None),
        ("since_record", None, 7),
    ]
