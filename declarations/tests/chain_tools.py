"""Helpers for the evidence tests: build a real chain, tamper with it as an owner would, verify it."""

import base64
import hashlib
import hmac
import json
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection

from declarations.bundle import verification_bundle
from declarations.checkpoints import (
    checkpoint_copy_store,
    checkpoint_digest,
    checkpoint_document,
    checkpoint_payload,
    checkpoint_storage_name,
)
from declarations.hashing import canonical, personal_hash, record_data, record_hash
from declarations.keys import LEGACY_KEY_ID, checkpoint_signing_key
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


def as_format_1(record: Declaration) -> Declaration:
    """Rewrite the head record as the previous release wrote it (format 1), with its hash.

    As written before formats existed: the subject in the foreign-key columns, no snapshot, kind or
    shown-text hash. Only the head may be rewritten (the next record links to its new hash).
    """
    legacy = Declaration.objects.select_related("personal").get(pk=record.pk)
    legacy.format_version = 1
    legacy.legacy_registration_id = legacy.subject_id
    legacy.subject_snapshot, legacy.text_kind, legacy.signed_text_sha256 = {}, "", ""
    # Formats 1 and 2 keep a typed explanation in the record, outside the personal hash.
    personal = legacy.personal
    legacy.explanation, typed = personal.explanation, personal.explanation
    legacy.personal_hash = personal_hash(
        salt=personal.salt,
        name=personal.signatory_name,
        position=personal.signatory_position,
        ip_address=personal.ip_address,
        user_agent=personal.user_agent,
    )
    legacy.record_hash = record_hash(legacy)
    tamper(
        "UPDATE declarations_declaration SET format_version = 1, registration_id = subject_id, "
        "subject_snapshot = '{}', text_kind = '', signed_text_sha256 = '', explanation = %s, "
        "personal_hash = %s, record_hash = %s WHERE id = %s",
        [typed, legacy.personal_hash, legacy.record_hash, legacy.pk],
    )
    tamper("UPDATE declarations_declarationpersonaldata SET explanation = '' WHERE declaration_id = %s", [legacy.pk])
    return Declaration.objects.get(pk=record.pk)


def build_chain(count: int, *, format_1: int = 0) -> list[Declaration]:
    """``count`` real records; the first ``format_1`` of them as the previous release wrote them."""
    text = published_text()
    mission = MissionFactory(capacity_max=max(count, 5))
    records = []
    for n in range(count):
        record = sign(text, mission=mission)
        records.append(as_format_1(record) if n < format_1 else record)
    return records


def store_all_copies() -> None:
    """The storage copies are written after commit; tests run inside a transaction, so write them here."""
    for pk in Checkpoint.objects.values_list("pk", flat=True):
        checkpoint_copy_store(checkpoint_id=pk)


def tamper(sql: str, params: list | tuple = ()) -> None:
    """Run SQL as the owner with the evidence triggers switched off (an insider with owner rights)."""
    with evidence_protection_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_command(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_declarations", *args, stdout=out, stderr=err)
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


def copy_delete(number: int) -> None:
    """Delete a checkpoint's storage copy, as someone who may write the storage folder can (no object lock)."""
    path = Path(settings.MEDIA_ROOT) / checkpoint_storage_name(number)
    path.chmod(0o644)
    storages["evidence"].delete(checkpoint_storage_name(number))


def bundle_file(path: Path) -> Path:
    """Export the bundle as ``export_verification_bundle`` does (a ``bundle`` checkpoint first) to ``path``."""
    call_command("export_verification_bundle", output=str(path), stderr=StringIO())
    store_all_copies()
    return path


def rewrite_with_keys(sequence: int, **changes) -> None:
    """Everything, keys included (level 3): change record ``sequence``, re-hash the chain after it with the
    chain key, re-sign every checkpoint from the first that covers it, and replace their storage copies.
    Afterwards the database and the storage agree and verify; only an earlier bundle shows the rewrite."""
    previous = None
    for record in Declaration.objects.filter(sequence__gte=sequence).order_by("sequence"):
        edits = changes if record.sequence == sequence else {}
        for name, value in edits.items():
            setattr(record, name, value)
        if previous is not None:
            record.previous_hash = previous
        record.record_hash = previous = record_hash(record)
        columns = {Declaration._meta.get_field(name).column: getattr(record, name) for name in edits}
        assignments = "".join(f"{column} = %s, " for column in columns)
        tamper(
            f"UPDATE declarations_declaration SET {assignments}previous_hash = %s, record_hash = %s WHERE id = %s",  # noqa: S608
            [*columns.values(), record.previous_hash, record.record_hash, record.pk],
        )
    key = checkpoint_signing_key()
    before = None
    for checkpoint in Checkpoint.objects.order_by("number"):
        if checkpoint.sequence >= sequence:
            checkpoint.record_hash = Declaration.objects.get(sequence=checkpoint.sequence).record_hash
            if before is not None:
                checkpoint.previous_hash = checkpoint_digest(before)
            checkpoint.signature = base64.b64encode(
                key.private_key.sign(canonical(checkpoint_payload(checkpoint)))
            ).decode()
            tamper(
                "UPDATE declarations_checkpoint SET record_hash = %s, previous_hash = %s, signature = %s WHERE id = %s",
                [checkpoint.record_hash, checkpoint.previous_hash, checkpoint.signature, checkpoint.pk],
            )
            copy_delete(checkpoint.number)
            storages["evidence"].save(
                checkpoint_storage_name(checkpoint.number), ContentFile(checkpoint_document(checkpoint))
            )
        before = checkpoint


def bundle_of_register() -> dict:
    """The bundle as the register stands (no checkpoint written), for in-memory comparisons."""
    return json.loads(json.dumps(verification_bundle()))


def records_delete(sequences) -> None:
    """Delete records with their personal rows and receipts (an owner with the triggers off)."""
    ids = list(Declaration.objects.filter(sequence__in=list(sequences)).values_list("pk", flat=True))
    if not ids:
        return
    marks = ", ".join(["%s"] * len(ids))
    tamper(
        f"UPDATE missions_registration SET current_declaration_id = NULL WHERE current_declaration_id IN ({marks})",  # noqa: S608
        ids,
    )
    for table in ("declarations_receipt", "declarations_declarationpersonaldata", "declarations_personaldataerasure"):
        tamper(f"DELETE FROM {table} WHERE declaration_id IN ({marks})", ids)  # noqa: S608
    tamper(f"DELETE FROM declarations_declaration WHERE id IN ({marks})", ids)  # noqa: S608


def checkpoints_delete(numbers, *, with_copies: bool) -> None:
    """Delete checkpoint rows (and, for someone who may write the storage folder, their copies)."""
    for number in numbers:
        tamper("DELETE FROM declarations_checkpoint WHERE number = %s", [number])
        if with_copies:
            copy_delete(number)
