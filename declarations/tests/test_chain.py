import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from declarations.hashing import canonical, record_data, record_hash
from declarations.keys import current_chain_key
from declarations.models import Checkpoint, Declaration, DeclarationPersonalData, DeclarationText, PersonalDataErasure
from declarations.selectors import declaration_reusable_for, latest_declarations_for
from declarations.services import declaration_personal_data_erase, declarations_verify
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from tests.factories import member_of

from .chain_tools import sign, tamper, verify_command

pytestmark = pytest.mark.django_db


def test_chain_links_records_and_verifies(rf):
    text = published_text()
    request = rf.post("/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="TestBrowser/1.0")
    for _ in range(3):
        sign(text, request=request)
    records = list(Declaration.objects.order_by("sequence"))
    assert [r.sequence for r in records] == [1, 2, 3]
    assert records[0].previous_hash == "0" * 64
    assert records[1].previous_hash == records[0].record_hash
    assert records[0].text_sha256 == text.sha256
    personal = records[0].personal
    assert (personal.ip_address, personal.user_agent, personal.signatory_name) == (
        "192.0.2.7",
        "TestBrowser/1.0",
        "Petra de Vries",
    )
    assert "Petra" not in str(Declaration.objects.values().first())  # only the salted hash is in the record
    code, out, err = verify_command()
    assert (code, err) == (0, "")
    assert out.startswith("3 declarations verified")


def test_record_hash_is_keyed_and_names_its_key():
    record = sign()
    assert record.key_id == current_chain_key().key_id
    assert record.key_id.startswith("hmac-")
    data = record_data(record)
    data["key_id"] = record.key_id
    # Whoever recomputes a plain SHA-256 of the record (all they could without the key) gets another value.
    assert hashlib.sha256(canonical(data)).hexdigest() != record.record_hash
    assert record_hash(record) == record.record_hash


def test_forwarded_ip_is_trusted_only_behind_a_configured_proxy(rf, settings):
    text = published_text()
    spoofed = rf.post("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    sign(text, request=spoofed)
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    proxied = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    sign(text, request=proxied)
    ips = list(DeclarationPersonalData.objects.order_by("declaration__sequence").values_list("ip_address", flat=True))
    assert ips == ["198.51.100.1", "203.0.113.9"]


def test_model_refuses_edit_and_delete():
    declaration = sign()
    declaration.explanation = "changed"
    with pytest.raises(ValidationError):
        declaration.save()
    with pytest.raises(ValidationError):
        declaration.delete()


def test_published_text_is_immutable_also_in_the_database():
    text = published_text()
    text.body = "Iets anders"
    with pytest.raises(ValidationError):
        text.save()
    # .update() bypasses save(); the database refuses it (and a DELETE) all the same.
    for change in (
        lambda: DeclarationText.objects.filter(pk=text.pk).update(body="Iets anders"),
        lambda: DeclarationText.objects.filter(pk=text.pk).update(sha256="0" * 64),
        lambda: DeclarationText.objects.filter(pk=text.pk).update(version=9),
        lambda: DeclarationText.objects.filter(pk=text.pk).update(published_at=None),
        lambda: DeclarationText.objects.filter(pk=text.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            change()
    assert DeclarationText.objects.get(pk=text.pk).body.startswith("De organisatie")


def test_a_draft_text_stays_editable_and_deletable():
    draft = DeclarationText.objects.create(version=7, language="nl", body="Concept")
    assert DeclarationText.objects.filter(pk=draft.pk).update(body="Concept 2") == 1
    DeclarationText.objects.filter(pk=draft.pk).delete()
    assert not DeclarationText.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("table", ["declarations_declaration", "declarations_checkpoint", "audit_auditevent"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_database_refuses_update_and_delete_of_evidence(settings, table, statement):
    settings.DECLARATION_CHECKPOINT_EVERY = 1  # so there is a checkpoint too
    sign()
    assert Checkpoint.objects.exists() and AuditEvent.objects.exists()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table))


def test_database_refuses_changing_or_deleting_an_erasure_record():
    declaration = sign()
    declaration_personal_data_erase(declaration=declaration)
    for sql in (
        "UPDATE declarations_personaldataerasure SET mac = 'x'",
        "DELETE FROM declarations_personaldataerasure",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def test_personal_data_can_only_be_erased_through_its_erasure_record():
    declaration = sign()
    rows = DeclarationPersonalData.objects.filter(pk=declaration.pk)
    refused = [
        lambda: rows.update(signatory_name="Iemand Anders"),
        # the shape of an erasure, but without the erasure record: refused too
        lambda: rows.update(
            signatory_name="", signatory_position="", user_agent="", salt="", ip_address=None, erased_at=timezone.now()
        ),
        lambda: rows.delete(),
    ]
    for change in refused:
        with pytest.raises(DatabaseError, match="only be erased"), transaction.atomic():
            change()
    assert declaration_personal_data_erase(declaration=declaration) is True
    assert declaration_personal_data_erase(declaration=declaration) is False  # idempotent
    personal = DeclarationPersonalData.objects.get(pk=declaration.pk)
    assert (personal.signatory_name, personal.salt, personal.ip_address) == ("", "", None)
    assert PersonalDataErasure.objects.get(pk=declaration.pk).erased_at == personal.erased_at
    with pytest.raises(DatabaseError, match="only be erased"), transaction.atomic():
        rows.update(signatory_name="Teruggezet")  # once erased, nothing can be put back


def test_tamper_is_detected_and_named():
    text = published_text()
    for _ in range(3):
        sign(text)
    tamper("UPDATE declarations_declaration SET organisation_name = %s WHERE sequence = %s", ["Vervalst B.V.", 2])
    code, out, err = verify_command()
    assert code == 1
    assert "Declaration #2: record_hash does not match" in err and "[hash_mismatch]" in err


def test_removed_record_breaks_the_chain():
    text = published_text()
    for _ in range(3):
        sign(text)
    second = Declaration.objects.get(sequence=2)
    tamper("DELETE FROM declarations_receipt WHERE declaration_id = %s", [second.pk])
    tamper("DELETE FROM declarations_declarationpersonaldata WHERE declaration_id = %s", [second.pk])
    tamper(
        "UPDATE missions_registration SET current_declaration_id = NULL WHERE current_declaration_id = %s", [second.pk]
    )
    tamper("DELETE FROM declarations_declaration WHERE id = %s", [second.pk])
    result = declarations_verify()
    assert result.broken_sequence == 3
    assert result.problems[0].code == "sequence_gap" and "#2" in result.problems[0].message


def test_altered_personal_data_is_detected_but_erasure_keeps_the_chain_valid():
    declaration = sign()
    tamper(
        "UPDATE declarations_declarationpersonaldata SET signatory_name = %s WHERE declaration_id = %s",
        ["Iemand Anders", declaration.pk],
    )
    result = declarations_verify()
    assert result.broken_sequence == 1 and result.problems[0].code == "personal_mismatch"
    declaration_personal_data_erase(declaration=declaration)
    result = declarations_verify()
    assert result.ok and result.checked == 1
    assert DeclarationPersonalData.objects.get(pk=declaration.pk).signatory_name == ""


def test_erasure_is_audited_and_verifiable():
    declaration = sign()
    declaration_personal_data_erase(declaration=declaration)
    assert AuditEvent.objects.filter(action="declaration.personal_data_erase", object_id=str(declaration.pk)).exists()
    assert declarations_verify().ok


def test_reuse_within_twelve_months_writes_a_new_record():
    text = published_text()
    user = member_of()
    first = sign(text, user=user)
    organisation = first.organisation
    earlier = declaration_reusable_for(organisation=organisation, text=text)
    assert earlier == first
    registration = draft_ready(
        mission=MissionFactory(), user=user, answer=endorse_answer(text, reused_from_id=earlier.pk)
    )
    second = registration_submit(registration=registration, actor=user)
    assert second.current_declaration.reused_from == earlier
    assert Declaration.objects.count() == 2
    assert declaration_reusable_for(organisation=organisation, text=published_text(version=2)) is None
    assert declarations_verify().ok


def test_latest_declarations_for_is_one_query(django_assert_num_queries):
    text = published_text()
    declarations = [sign(text) for _ in range(4)]
    registrations = [d.subject for d in declarations]
    with django_assert_num_queries(1):
        latest = latest_declarations_for("mission_registration", [r.pk for r in registrations])
    assert {r.pk for r in registrations} == set(latest)
