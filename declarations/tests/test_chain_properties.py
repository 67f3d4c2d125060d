"""Property tests: random sequences of tamperings of checkpoints, storage copies and bundles are all detected.

A real chain is built once per test (registration flow, genesis, interval and bundle checkpoints, the
storage copies); each example then tampers with an in-memory copy of what verification reads and runs
the real rules on it: ``checkpoints_check`` (the one rule for the table against the copies),
``tools/verify_bundle.verify`` and ``bundle_extension_problems`` (``--since``). 500 examples per group.

The one tampering that the table and the copies cannot show (the newest checkpoints removed from both:
the limit of an insider who may delete the copies) must be shown by ``--since`` against a bundle
exported before it; and a newer bundle cut back to an earlier honest state is that earlier bundle, not a
tampering (it still extends every older one).
"""

import copy
import json
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarations.bundle import verification_bundle
from declarations.checkpoints import (
    checkpoint_copies_read,
    checkpoint_from_document,
    checkpoint_payload,
    checkpoint_storage_name,
    checkpoint_write,
)
from declarations.constants import CheckpointReason
from declarations.keys import checkpoint_public_keys
from declarations.models import Checkpoint
from declarations.verification import VerificationResult, checkpoints_check
from tools.verify_bundle import bundle_extension_problems, verify

from .chain_tools import build_chain, sign, store_all_copies

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=500,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PAYLOAD_FIELDS = ["number", "sequence", "record_hash", "record_count", "created_at", "next_due", "previous_hash"]
HEX64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


@pytest.fixture
def figures(request, capsys):
    """Counts per kind of tampering over all examples of one test, printed with the time taken."""
    kinds, started = Counter(), time.monotonic()
    yield kinds
    with capsys.disabled():
        listed = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        seconds = time.monotonic() - started
        print(f"\n[chain] {request.node.name}: {kinds.total()} draws in {seconds:.1f} s ({listed})")


def _document(checkpoint) -> dict:
    """A checkpoint as its storage copy holds it (the form verification reads back)."""
    return {"payload": checkpoint_payload(checkpoint), "signature": checkpoint.signature}


def _checkpoint(document: dict):
    return checkpoint_from_document(json.dumps(document).encode())


def _other(data, value, label):
    """A different value of the same kind as ``value``."""
    if isinstance(value, int):
        return data.draw(st.integers(min_value=0, max_value=50).filter(lambda v: v != value), label=label)
    if isinstance(value, str) and len(value) == 64:
        return data.draw(HEX64.filter(lambda v: v != value), label=label)
    return data.draw(st.sampled_from(["2020-01-01T00:00:00.000000Z", "2031-06-01T12:00:00.000000Z"]), label=label)


@pytest.fixture
def register(settings):
    """Checkpoints 0 (genesis), 1 (#2), 2 (#4), 3 (#6), 4 (#7, bundle), their copies; 7 records."""
    settings.DECLARATION_CHECKPOINT_EVERY = 2
    build_chain(7)
    checkpoint_write(reason=CheckpointReason.BUNDLE)
    store_all_copies()
    rows = [_document(c) for c in Checkpoint.objects.order_by("number")]
    copies, unreadable = checkpoint_copies_read()
    assert unreadable == [] and [c.number for _name, c in copies] == [0, 1, 2, 3, 4]
    return rows, {name: _document(copy) for name, copy in copies}


def _check(rows: list[dict], copies: dict[str, dict | bytes]) -> VerificationResult:
    result = VerificationResult()
    readable, unreadable = [], []
    for name, document in sorted(copies.items()):
        try:
            readable.append(
                (
                    name,
                    checkpoint_from_document(
                        document if isinstance(document, bytes) else json.dumps(document).encode()
                    ),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            unreadable.append(name)
    checkpoints_check(
        result,
        rows=[_checkpoint(row) for row in rows],
        copies=readable,
        unreadable=unreadable,
        public_keys=checkpoint_public_keys(),
        now=timezone.now() + timedelta(days=1),  # long after every copy task
    )
    return result


def _honest_suffix_removal(rows, copies, original_rows) -> bool:
    """Both the table and the storage end at an earlier checkpoint, otherwise untouched."""
    k = len(rows)
    names = {checkpoint_storage_name(r["payload"]["number"]) for r in original_rows[:k]}
    return 0 < k < len(original_rows) and rows == original_rows[:k] and set(copies) == names


def _tamper_rows(data, rows: list[dict], figures) -> None:
    kind = data.draw(st.sampled_from(["delete", "edit", "renumber", "swap_numbers", "signature"]), label="row")
    figures[f"row_{kind}"] += 1
    index = data.draw(st.integers(min_value=0, max_value=len(rows) - 1), label="index")
    if kind == "delete":
        rows.pop(index)
    elif kind == "edit":
        field = data.draw(st.sampled_from(PAYLOAD_FIELDS), label="field")
        rows[index]["payload"][field] = _other(data, rows[index]["payload"][field], field)
    elif kind == "renumber":
        taken = {r["payload"]["number"] for r in rows}
        rows[index]["payload"]["number"] = data.draw(
            st.integers(min_value=0, max_value=20).filter(lambda n: n not in taken), label="number"
        )
    elif kind == "swap_numbers":
        other = data.draw(st.integers(min_value=0, max_value=len(rows) - 1).filter(lambda i: i != index))
        a, b = rows[index]["payload"], rows[other]["payload"]
        a["number"], b["number"] = b["number"], a["number"]
    else:
        other = data.draw(st.sampled_from([r["signature"] for r in rows if r["signature"] != rows[index]["signature"]]))
        rows[index]["signature"] = other


def _tamper_copies(data, copies: dict, figures) -> None:
    names = sorted(copies)
    kind = data.draw(st.sampled_from(["delete", "replace", "edit", "garbage", "add"]), label="copy")
    figures[f"copy_{kind}"] += 1
    if not names:
        return
    name = data.draw(st.sampled_from(names), label="name")
    if kind == "delete":
        del copies[name]
    elif kind == "replace":
        source = data.draw(st.sampled_from([n for n in names if n != name] or names), label="from")
        copies[name] = copy.deepcopy(copies[source])
    elif kind == "edit" and isinstance(copies[name], dict):
        field = data.draw(st.sampled_from(PAYLOAD_FIELDS), label="field")
        copies[name]["payload"][field] = _other(data, copies[name]["payload"][field], field)
    elif kind == "garbage":
        copies[name] = data.draw(st.binary(max_size=40), label="bytes")
    elif kind == "add":  # a copy of an existing checkpoint under a new number's name
        number = data.draw(st.integers(min_value=5, max_value=20), label="number")
        copies[checkpoint_storage_name(number)] = copy.deepcopy(copies[name])


def _group(register, data, figures, *, rows_too: bool, copies_too: bool) -> None:
    original_rows, original_copies = register
    rows, copies = copy.deepcopy(original_rows), copy.deepcopy(original_copies)
    steps = data.draw(st.integers(min_value=1, max_value=3), label="steps")
    for _ in range(steps):
        if rows_too and copies_too and rows and data.draw(st.integers(0, 2), label="both?") == 0:
            # a checkpoint and its copy deleted together (an insider who may also delete the copies)
            number = rows.pop(data.draw(st.integers(0, len(rows) - 1), label="index"))["payload"]["number"]
            copies.pop(checkpoint_storage_name(number), None)
            figures["row_and_copy_delete"] += 1
        elif rows_too and rows and (not copies_too or data.draw(st.booleans(), label="rows?")):
            _tamper_rows(data, rows, figures)
        elif copies_too:
            _tamper_copies(data, copies, figures)
    if rows == original_rows and copies == original_copies:
        figures["no_change"] += 1
        return
    result = _check(rows, copies)
    if result.ok:
        # Only the newest checkpoints removed from both places goes unseen here; a bundle exported before shows it.
        assert _honest_suffix_removal(rows, copies, original_rows), (rows, sorted(copies))
        old = {"checkpoints": original_rows, "records": []}
        assert bundle_extension_problems(old, rows, [])
        figures["suffix_removed_shown_by_since"] += 1


@given(data=st.data())
@PROPERTY
def test_tampered_checkpoint_rows_are_detected(register, figures, data):
    _group(register, data, figures, rows_too=True, copies_too=False)


@given(data=st.data())
@PROPERTY
def test_tampered_storage_copies_are_detected(register, figures, data):
    _group(register, data, figures, rows_too=False, copies_too=True)


@given(data=st.data())
@PROPERTY
def test_tampered_rows_and_copies_together_are_detected_or_shown_since(register, figures, data):
    _group(register, data, figures, rows_too=True, copies_too=True)


@pytest.fixture
def bundles(settings):
    """An older bundle (4 records) and a newer one (8 records), both exported as the portal does."""
    settings.DECLARATION_CHECKPOINT_EVERY = 3
    records = build_chain(4)
    checkpoint_write(reason=CheckpointReason.BUNDLE)
    old = verification_bundle()
    for _ in range(4):
        sign(records[0].text)
    checkpoint_write(reason=CheckpointReason.BUNDLE)
    new = verification_bundle()
    assert [c["payload"]["sequence"] for c in old["checkpoints"]] == [0, 3, 4]
    assert [c["payload"]["sequence"] for c in new["checkpoints"]] == [0, 3, 4, 7, 8]
    honest = [
        (new["checkpoints"][: k + 1], new["records"][: c["payload"]["sequence"]])
        for k, c in enumerate(new["checkpoints"])
    ]
    return old, new, honest


RECORD_FIELDS = ["sequence", "reference", "previous_hash", "record_hash"]


def _tamper_bundle(data, bundle: dict, figures) -> None:
    records, checkpoints = bundle["records"], bundle["checkpoints"]
    kind = data.draw(
        st.sampled_from(
            [
                "record_edit",
                "record_delete",
                "record_swap",
                "records_truncate",
                "record_duplicate",
                "checkpoint_delete",
                "checkpoint_edit",
                "checkpoint_signature",
                "checkpoints_truncate",
                "checkpoint_swap",
            ]
        ),
        label="bundle",
    )
    figures[kind] += 1
    items = records if kind.startswith("record") else checkpoints
    if not items:
        return
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1), label="index")
    others = [i for i in range(len(items)) if i != index] or [index]
    other = data.draw(st.sampled_from(others), label="other")
    if kind == "record_edit":
        field = data.draw(st.sampled_from(RECORD_FIELDS), label="field")
        records[index][field] = _other(data, records[index][field], field)
    elif kind in ("record_delete", "checkpoint_delete"):
        items.pop(index)
    elif kind in ("record_swap", "checkpoint_swap"):
        items[index], items[other] = items[other], items[index]
    elif kind in ("records_truncate", "checkpoints_truncate"):
        del items[index:]
    elif kind == "record_duplicate":
        records.insert(other, copy.deepcopy(records[index]))
    elif kind == "checkpoint_edit":
        field = data.draw(st.sampled_from(PAYLOAD_FIELDS), label="field")
        checkpoints[index]["payload"][field] = _other(data, checkpoints[index]["payload"][field], field)
    else:
        checkpoints[index]["signature"] = checkpoints[other]["signature"]


@given(data=st.data())
@PROPERTY
def test_tampered_bundles_do_not_verify_or_do_not_extend_the_older_one(bundles, figures, data):
    """Old vs new, either or both edited, truncated or reordered: the script (``verify`` of each and
    ``--since``) finds it, unless what is left is an honest earlier state of the register."""
    original_old, original_new, honest = bundles
    keys = checkpoint_public_keys()
    old, new = copy.deepcopy(original_old), copy.deepcopy(original_new)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="steps")):
        _tamper_bundle(data, data.draw(st.sampled_from([old, new]), label="which"), figures)
    problems = verify(old, trusted=keys)[0] + verify(new, trusted=keys)[0]
    problems += bundle_extension_problems(old, new["checkpoints"], new["records"])
    if problems:
        return
    states = [(old["checkpoints"], old["records"]), (new["checkpoints"], new["records"])]
    assert all(state in honest for state in states), "an undetected tampering"
    figures["an_honest_earlier_state"] += 1
