"""/verify/checkpoints/: the public feed of checkpoint heads (declarations/feed.py)."""

import base64
import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from declarations.checkpoints import checkpoint_digest, checkpoint_signature_valid
from declarations.keys import checkpoint_public_keys
from declarations.models import Checkpoint, CheckpointTimestamp
from declarations.timestamps import timestamp_check
from tests.factories import member_of

from .chain_tools import build_chain

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def checkpoints(settings, django_capture_on_commit_callbacks):
    settings.DECLARATION_CHECKPOINT_EVERY = 1  # one checkpoint per record
    with django_capture_on_commit_callbacks(execute=True):
        build_chain(5)
    return list(Checkpoint.objects.order_by("number"))


@pytest.mark.tsa
def test_json_lists_every_head_with_its_signature_and_timestamp(client, tsa, checkpoints):
    response = client.get(reverse("checkpoint_feed"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert not response.cookies
    document = response.json()
    heads = document["checkpoints"]
    assert [h["number"] for h in heads] == [0, 1, 2, 3, 4, 5] and document["next"] is None  # 0: the genesis
    for head, checkpoint in zip(heads, checkpoints, strict=True):
        assert (head["sequence"], head["record_hash"], head["record_count"]) == (
            checkpoint.sequence,
            checkpoint.record_hash,
            checkpoint.record_count,
        )
        assert head["digest"] == checkpoint_digest(checkpoint) and head["signature"] == checkpoint.signature
        # A mirror can check both anchors from the feed alone (and the keys it trusts).
        assert head["payload"]["number"] == checkpoint.number
        assert checkpoint_signature_valid(checkpoint, checkpoint_public_keys())
        token = base64.b64decode(head["timestamp"]["token"])
        assert token == bytes(CheckpointTimestamp.objects.get(checkpoint=checkpoint).token)
        assert timestamp_check(token, digest=bytes.fromhex(head["digest"])).ok
        assert head["timestamp"]["gen_time"].endswith("Z")
    assert set(document["public_keys"]) == set(checkpoint_public_keys())


def test_pages_follow_next_and_an_etag_revalidates(client, settings, checkpoints):
    settings.CHECKPOINT_FEED_PAGE_SIZE = 2
    url, numbers = reverse("checkpoint_feed"), []
    while url:
        document = client.get(url).json()
        numbers += [h["number"] for h in document["checkpoints"]]
        assert all(h["timestamp"] is None for h in document["checkpoints"])  # no TSA in this test
        url = document["next"]
    assert numbers == [0, 1, 2, 3, 4, 5]  # from the genesis
    first = client.get(reverse("checkpoint_feed"), {"after": 3})
    assert [h["number"] for h in first.json()["checkpoints"]] == [4, 5]
    again = client.get(reverse("checkpoint_feed"), {"after": 3}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert client.get(reverse("checkpoint_feed"), {"after": "x"}).status_code == 404


def test_a_page_costs_the_same_few_queries_however_many_checkpoints(client, checkpoints, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert len(client.get(reverse("checkpoint_feed")).json()["checkpoints"]) == 6
    with django_assert_max_num_queries(2):
        assert client.get(reverse("checkpoint_feed_atom")).status_code == 200


def test_atom_lists_the_latest_heads(client, settings, checkpoints):
    settings.CHECKPOINT_FEED_ATOM_ENTRIES = 3
    response = client.get(reverse("checkpoint_feed_atom"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    assert response["Cache-Control"].startswith("public") and response["ETag"]
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [f"urn:imvo:declaration-checkpoint:{n}" for n in (5, 4, 3)]
    head = json.loads(entries[0].find(f"{ATOM}summary").text)
    assert head["number"] == 5 and head["record_hash"] == checkpoints[-1].record_hash


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_about_page_explains_mirroring_to_anyone(client, language):
    client.cookies["django_language"] = language
    for user in (None, member_of()):
        if user:
            client.force_login(user)
        response = client.get(reverse("checkpoint_feed_about"))
        assert response.status_code == 200
        body = response.content.decode()
        assert reverse("checkpoint_feed") in body and reverse("checkpoint_feed_atom") in body
        assert f'<html lang="{language}">' in body


def test_the_feed_is_public_for_every_role(client):
    assert client.get(reverse("checkpoint_feed")).status_code == 200
    client.force_login(member_of())
    assert client.get(reverse("checkpoint_feed")).json()["checkpoints"] == []
    assert client.get(reverse("checkpoint_feed_atom")).status_code == 200
