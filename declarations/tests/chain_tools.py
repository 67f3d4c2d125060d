"""Helpers for the evidence tests: build a real chain, tamper with it as an owner would, verify it."""

import hashlib
import hmac
from io import StringIO

from django.core.management import call_command
from django.db import connection

from declarations.checkpoints import checkpoint_copy_store
from declarations.hashing import canonical, record_data
from declarations.keys import LEGACY_KEY_ID
from declarations.models import Checkpoint, Declaration
from declarations.protection import evidence_protection_lifted
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from tests.factories import member_of

WRONG_KEY = b"an insider's guess at the chain key, not the key"


def sign(text=None, *, mission=None, user=None, request=None) -> Declaration:
    """One company signs through the real registration flow; returns its declaration record."""
    text = text or published_text()
    user = user or member_of()
    registration = draft_ready(mission=mission or MissionFactory(), user=user, answer=endorse_answer(text))
    return registration_submit(registration=registration, actor=user, request=request).current_declaration


def build_chain(count: int) -> list[Declaration]:
    text = published_text()
    mission = MissionFactory(capacity_max=max(count, 5))
    return [sign(text, mission=mission) for _ in range(count)]


def store_all_copies() -> None:
    """The storage copies are written after commit; tests run inside a transaction, so write them here."""
    for pk in Checkpoint.objects.values_list("pk", flat=True):
        checkpoint_copy_store(checkpoint_id=pk)


def tamper(sql: str, params: list | tuple = ()) -> None:
    """Run SQL as the owner with the evidence triggers switched off (an insider with owner rights)."""
    with evidence_protection_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_command() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_declarations", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def unkeyed_hash(record) -> str:
    """What a forger without the key computes: the plain SHA-256 of the canonical record."""
    data = record_data(record)
    if record.key_id != LEGACY_KEY_ID:
        data["key_id"] = record.key_id
    return hashlib.sha256(canonical(data)).hexdigest()


def wrong_key_hash(record) -> str:
    data = record_data(record)
    data["key_id"] = record.key_id
    return hmac.new(WRONG_KEY, canonical(data), hashlib.sha256).hexdigest()


def insert_record(record: Declaration) -> None:
    """INSERT a record (a forgery) with raw SQL, as an insider would; the model is not involved."""
    fields = [f for f in Declaration._meta.concrete_fields if f.attname != "id"]
    values = [f.get_db_prep_save(getattr(record, f.attname), connection) for f in fields]
    columns = ", ".join(f.column for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    tamper(f"INSERT INTO declarations_declaration ({columns}) VALUES ({marks})", values)  # noqa: S608
