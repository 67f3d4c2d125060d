from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from declarations.models import Declaration, DeclarationPersonalData
from declarations.selectors import declaration_reusable_for, latest_declarations_for
from declarations.services import declaration_personal_data_erase, declarations_verify
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from tests.factories import member_of

pytestmark = pytest.mark.django_db


def _sign(text, mission=None, user=None, request=None):
    user = user or member_of()
    registration = draft_ready(mission=mission or MissionFactory(), user=user, answer=endorse_answer(text))
    return registration_submit(registration=registration, actor=user, request=request)


def _verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_declarations", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_chain_links_records_and_verifies(rf):
    text = published_text()
    request = rf.post("/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="TestBrowser/1.0")
    for _ in range(3):
        _sign(text, request=request)
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
    assert _verify() == (0, "3 declarations verified\n", "")


def test_forwarded_ip_is_trusted_only_behind_a_configured_proxy(rf, settings):
    text = published_text()
    spoofed = rf.post("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    _sign(text, request=spoofed)
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    proxied = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    _sign(text, request=proxied)
    ips = list(DeclarationPersonalData.objects.order_by("declaration__sequence").values_list("ip_address", flat=True))
    assert ips == ["198.51.100.1", "203.0.113.9"]


def test_model_refuses_edit_and_delete():
    declaration = _sign(published_text()).current_declaration
    declaration.explanation = "changed"
    with pytest.raises(ValidationError):
        declaration.save()
    with pytest.raises(ValidationError):
        declaration.delete()


def test_published_text_is_immutable():
    text = published_text()
    text.body = "Iets anders"
    with pytest.raises(ValidationError):
        text.save()


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks before ALTER TABLE
            cursor.execute("ALTER TABLE declarations_declaration DISABLE TRIGGER declarations_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE declarations_declaration ENABLE TRIGGER declarations_append_only")


def test_tamper_is_detected_and_named():
    text = published_text()
    for _ in range(3):
        _sign(text)
    _tamper("UPDATE declarations_declaration SET organisation_name = %s WHERE sequence = %s", ["Vervalst B.V.", 2])
    code, out, err = _verify()
    assert code == 1
    assert "#2" in err and "record_hash" in err


def test_removed_record_breaks_the_chain():
    text = published_text()
    for _ in range(3):
        _sign(text)
    second = Declaration.objects.get(sequence=2)
    _tamper("DELETE FROM declarations_receipt WHERE declaration_id = %s", [second.pk])
    _tamper("DELETE FROM declarations_declarationpersonaldata WHERE declaration_id = %s", [second.pk])
    _tamper(
        "UPDATE missions_registration SET current_declaration_id = NULL WHERE current_declaration_id = %s", [second.pk]
    )
    _tamper("DELETE FROM declarations_declaration WHERE id = %s", [second.pk])
    assert declarations_verify().broken_sequence == 3


def test_altered_personal_data_is_detected_but_erasure_keeps_the_chain_valid():
    text = published_text()
    declaration = _sign(text).current_declaration
    DeclarationPersonalData.objects.filter(pk=declaration.pk).update(signatory_name="Iemand Anders")
    assert declarations_verify().broken_sequence == 1
    declaration_personal_data_erase(declaration=declaration)
    result = declarations_verify()
    assert result.ok and result.checked == 1
    assert DeclarationPersonalData.objects.get(pk=declaration.pk).signatory_name == ""


@pytest.mark.postgres
def test_trigger_refuses_update_and_delete_on_postgresql():
    declaration = _sign(published_text()).current_declaration
    for sql in (
        "UPDATE declarations_declaration SET explanation = 'x' WHERE id = %s",
        "DELETE FROM declarations_declaration WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [declaration.pk])


def test_reuse_within_twelve_months_writes_a_new_record():
    text = published_text()
    user = member_of()
    first = _sign(text, user=user)
    organisation = first.organisation
    earlier = declaration_reusable_for(organisation=organisation, text=text)
    assert earlier == first.current_declaration
    registration = draft_ready(
        mission=MissionFactory(), user=user, answer=endorse_answer(text, reused_from_id=earlier.pk)
    )
    second = registration_submit(registration=registration, actor=user)
    assert second.current_declaration.reused_from == earlier
    assert Declaration.objects.count() == 2
    Declaration.objects.filter(pk=earlier.pk)  # untouched
    assert declaration_reusable_for(organisation=organisation, text=published_text(version=2)) is None


def test_latest_declarations_for_is_one_query(django_assert_num_queries):
    text = published_text()
    registrations = [_sign(text) for _ in range(4)]
    with django_assert_num_queries(1):
        latest = latest_declarations_for(registrations)
    assert {r.pk for r in registrations} == set(latest)
