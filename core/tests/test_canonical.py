"""One serialisation for content hashes (core/canonical.py); stored hashes stay what they were."""

import hashlib
import json

from audit import chain
from brochures.content import Section, content_sha256
from core.canonical import canonical_json, canonical_sha256
from declarations import hashing

PAYLOAD = {"b": "é ü ✓", "a": [1, 2.5, None, True], "n": {"z": "x", "k": "\u2028"}}


def test_the_compact_form_is_the_evidence_form_byte_for_byte():
    expected = b'{"a":[1,2.5,null,true],"b":"\xc3\xa9 \xc3\xbc \xe2\x9c\x93","n":{"k":"\xe2\x80\xa8","z":"x"}}'
    assert canonical_json(PAYLOAD) == expected
    assert canonical_sha256(PAYLOAD) == "8c6c9106163e25738cb41d2f3847af390c1b54e7cee28baca80b5f732ca8eacf"
    # The trail and the declaration records hash exactly this (their names stay for old imports).
    assert chain.canonical(PAYLOAD) == hashing.canonical(PAYLOAD) == expected


def test_the_spaced_form_is_the_content_fingerprint_form_byte_for_byte():
    expected = (
        b'{"a": [1, 2.5, null, true], "b": "\xc3\xa9 \xc3\xbc \xe2\x9c\x93", "n": {"k": "\xe2\x80\xa8", "z": "x"}}'
    )
    assert canonical_json(PAYLOAD, compact=False) == expected
    assert canonical_sha256(PAYLOAD, compact=False) == (
        "b90c5f5892e8b649024f9e5a7c8ea94922cfa6dc38a109f5a55dda20d9d9214b"
    )


def test_a_brochure_content_hash_is_what_it_was_before():
    sections = [Section(title=" Één ", body="Tekst ✓ "), Section(title="Twee", body="")]
    # A frozen copy of the expression brochures.content used before core.canonical.
    payload = {
        "language": "nl",
        "title": "Titel",
        "summary": "Kort",
        "sections": [[s.title.strip(), s.body.strip()] for s in sections],
    }
    before = hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
    assert content_sha256(language="nl", title=" Titel", summary="Kort ", sections=sections) == before
