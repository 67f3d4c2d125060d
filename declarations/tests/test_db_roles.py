"""The database protects the evidence: the portal's role can add evidence, never change or remove it.

The suite itself runs as the owner of the test database. These tests connect a second time, as the
portal's own role, with psycopg2: the role named by ``TEST_DATABASE_APP_URL`` (CI creates it), or
else ``imvo_test_app``, created here when the owner may create roles. ``manage.py db_roles`` gives
it its privileges on the test database.
"""

import os
import secrets
from io import StringIO

import environ
import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg2 import errors

from audit.models import AuditEvent
from declarations.hashing import erasure_mac
from declarations.keys import current_chain_key
from declarations.models import DeclarationPersonalData
from declarations.protection import APPEND_ONLY_TABLES, PERSONAL_TABLE, TEXT_TABLE
from declarations.services import declarations_verify
from tests.factories import member_of

from .chain_tools import sign, tamper

pytestmark = pytest.mark.postgres
# One role per pytest-xdist process: each sets its own password when it creates the role.
TEST_ROLE = "imvo_test_app" + os.environ.get("PYTEST_XDIST_WORKER", "").removeprefix("gw")


@pytest.fixture(scope="session")
def app_role(django_db_setup, django_db_blocker) -> dict:
    """Connection parameters of the portal's role on the test database, after ``db_roles``."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL")
        url = os.environ.get("TEST_DATABASE_APP_URL")
        if url:
            config = environ.Env.db_url_config(url)
            role, password = config["USER"], config.get("PASSWORD") or ""
        else:  # needs an owner that may create roles (a superuser locally)
            role, password = TEST_ROLE, secrets.token_urlsafe(16)
            os.environ["IMVO_TEST_APP_PASSWORD"] = password
            call_command(
                "db_roles", app_role=role, create=True, password_env="IMVO_TEST_APP_PASSWORD", stdout=StringIO()
            )
        call_command("db_roles", app_role=role, stdout=StringIO())
        settings = connection.settings_dict
        return {
            "dbname": settings["NAME"],
            "user": role,
            "password": password,
            "host": settings.get("HOST") or "127.0.0.1",
            "port": settings.get("PORT") or 5432,
        }


def _as_app(app_role, sql: str, params=()):
    """Run one statement as the portal's role in its own transaction (rolled back); return rows or raise."""
    conn = psycopg2.connect(**app_role)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else cursor.rowcount
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.parametrize("table", [*APPEND_ONLY_TABLES, PERSONAL_TABLE])
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET {column} = {column}",
        "DELETE FROM {table}",
        "TRUNCATE {table}",
        "TRUNCATE {table} CASCADE",
        "ALTER TABLE {table} DISABLE TRIGGER USER",
        "ALTER TABLE {table} DISABLE TRIGGER ALL",
        "DROP TABLE {table} CASCADE",
        "ALTER TABLE {table} OWNER TO CURRENT_USER",
    ],
)
def test_the_app_role_cannot_change_or_remove_evidence(app_role, table, statement):
    if table == PERSONAL_TABLE and statement.startswith("UPDATE"):
        return  # the personal-data row may be updated in the erase way only: see the test below
    column = "mac" if table == "declarations_personaldataerasure" else "id"
    with pytest.raises(errors.InsufficientPrivilege):
        _as_app(app_role, statement.format(table=table, column=column))


@pytest.mark.parametrize("table", ["missions_registration", "organisations_organisation", "accounts_user", TEXT_TABLE])
def test_the_app_role_cannot_truncate_or_alter_other_tables_either(app_role, table):
    for sql in (f"TRUNCATE {table} CASCADE", f"ALTER TABLE {table} DISABLE TRIGGER USER"):
        with pytest.raises(errors.InsufficientPrivilege):
            _as_app(app_role, sql)


def test_the_app_role_can_read_and_append(app_role):
    assert len(_as_app(app_role, "SELECT count(*) FROM declarations_declaration")) == 1
    inserted = _as_app(
        app_role,
        "INSERT INTO audit_auditevent (actor_label, action, object_type, object_id, created_at, details) "
        "VALUES ('', 'test.app_role', '', '', now(), '{}')",
    )
    assert inserted == 1  # and rolled back
    assert _as_app(app_role, "UPDATE missions_registration SET motivation = motivation") == 0  # ordinary tables
    with pytest.raises(errors.InsufficientPrivilege):
        _as_app(app_role, "DELETE FROM django_migrations")


@pytest.mark.django_db
def test_db_roles_is_idempotent_and_refuses_the_owner_as_app_role(app_role):
    out = StringIO()
    call_command("db_roles", app_role=app_role["user"], stdout=out)
    assert "INSERT and SELECT only" in out.getvalue()
    with pytest.raises(CommandError, match="must not be the owner"):
        call_command("db_roles", app_role=connection.settings_dict["USER"], stdout=StringIO())


ERASE_EVENT_SQL = (
    "INSERT INTO audit_auditevent (actor_label, action, object_type, object_id, created_at, details) "
    "VALUES ('', 'declaration.personal_data_erase', 'declarations.declaration', %s, now(), '{}')"
)


def _erasure_record(cursor, declaration):
    """The keyed erasure record, as the app role (which holds the chain key) can write it."""
    cursor.execute("SELECT now()")
    (erased_at,) = cursor.fetchone()
    key = current_chain_key()
    mac = erasure_mac(
        key_id=key.key_id, sequence=declaration.sequence, record_hash=declaration.record_hash, erased_at=erased_at
    )
    cursor.execute(
        "INSERT INTO declarations_personaldataerasure (declaration_id, erased_at, key_id, mac) VALUES (%s, %s, %s, %s)",
        [declaration.pk, erased_at, key.key_id, mac],
    )
    return erased_at


ERASE_SQL = (
    "UPDATE declarations_declarationpersonaldata SET signatory_name = '', signatory_position = '', "
    "user_agent = '', salt = '', ip_address = NULL, erased_at = %s WHERE declaration_id = %s"
)


@pytest.mark.django_db(transaction=True)
def test_personal_data_are_erasable_by_the_app_role_only_with_an_erasure_record_and_audit_event(app_role):
    declaration = sign()  # committed: the app role's connection sees it
    personal = DeclarationPersonalData.objects.get(pk=declaration.pk)
    conn = psycopg2.connect(**app_role)
    try:
        with conn.cursor() as cursor:
            for sql in (
                "UPDATE declarations_declarationpersonaldata SET signatory_name = 'X' WHERE declaration_id = %s",
                "UPDATE declarations_declarationpersonaldata SET signatory_name = '', signatory_position = '', "
                "user_agent = '', salt = '', ip_address = NULL, erased_at = now() WHERE declaration_id = %s",
            ):
                with pytest.raises(errors.InsufficientPrivilege, match="only be erased"):
                    cursor.execute(sql, [declaration.pk])
                conn.rollback()
            # a valid keyed erasure record without the audit event: refused (the attack of issue 22)
            erased_at = _erasure_record(cursor, declaration)
            with pytest.raises(errors.InsufficientPrivilege, match="only be erased"):
                cursor.execute(ERASE_SQL, [erased_at, declaration.pk])
            conn.rollback()
            # an audit event of an earlier transaction does not count
            cursor.execute(ERASE_EVENT_SQL, [str(declaration.pk)])
            conn.commit()
            erased_at = _erasure_record(cursor, declaration)
            with pytest.raises(errors.InsufficientPrivilege, match="only be erased"):
                cursor.execute(ERASE_SQL, [erased_at, declaration.pk])
            conn.rollback()
            # the erasure record, an audit event and the erasure, in one transaction
            erased_at = _erasure_record(cursor, declaration)
            cursor.execute(ERASE_EVENT_SQL, [str(declaration.pk)])
            cursor.execute(ERASE_SQL, [erased_at, declaration.pk])
            conn.commit()
            with pytest.raises(errors.InsufficientPrivilege, match="only be erased"):
                cursor.execute(
                    "UPDATE declarations_declarationpersonaldata SET signatory_name = %s WHERE declaration_id = %s",
                    [personal.signatory_name, declaration.pk],
                )
            conn.rollback()
    finally:
        conn.close()
    assert DeclarationPersonalData.objects.get(pk=declaration.pk).signatory_name == ""
    # The audit events written by hand are not in the keyed chain: verification names them (they
    # changed what the chain committed to) and the erasure, whose audit event is not a chained one.
    codes = {(p.code, p.sequence) for p in declarations_verify().problems}
    assert codes == {("erasure_unaudited", 1), ("audit_legacy_changed", None)}


@pytest.mark.django_db(transaction=True)
def test_what_the_owner_can_still_do_is_detected(app_role):
    """The owner can switch the triggers off; the keyed chain and the checkpoints still tell."""
    first, second = sign(), sign()
    tamper("UPDATE declarations_declaration SET decision = 'not_endorsed' WHERE id = %s", [first.pk])
    tamper(
        "UPDATE declarations_declarationpersonaldata SET signatory_name = 'X' WHERE declaration_id = %s", [second.pk]
    )
    assert [(p.sequence, p.code) for p in declarations_verify().problems] == [
        (1, "hash_mismatch"),
        (2, "personal_mismatch"),
    ]


@pytest.mark.django_db(transaction=True)
def test_migrate_and_db_roles_connect_with_the_owner_url_to_the_same_database(app_role, settings):
    """``connected_as_owner`` swaps the credentials only, never the database (so tests stay on theirs)."""
    from declarations.protection import connected_as_owner

    user, password, host, port = app_role["user"], app_role["password"], app_role["host"], app_role["port"]
    settings.DATABASE_OWNER_URL = f"postgres://{user}:{password}@{host}:{port}/some_other_database"
    with connected_as_owner() as switched, connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        assert cursor.fetchone() == (user, connection.settings_dict["NAME"])
    assert switched
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != user


@pytest.mark.django_db(transaction=True)
def test_the_app_role_erases_the_personal_part_of_audit_events_but_cannot_touch_the_events(app_role):
    """The personal part (``audit_auditeventpersonal``) is erasable, only with its erasure event; the
    events are append-only."""
    from audit.models import AuditEventPersonal
    from audit.services import audit_event_record

    user = member_of()
    event = audit_event_record(action="auth.login", actor=user, obj=user, ip_address="192.0.2.21")
    conn = psycopg2.connect(**app_role)
    try:
        with conn.cursor() as cursor:
            empty = (
                "UPDATE audit_auditeventpersonal SET actor_email = '', ip_address = NULL, user_agent = '', "
                "details = '{}', salt = '', erased_at = %s, erasure_event_id = %s WHERE event_id = %s"
            )
            # without an erasure event of the same transaction: refused
            with pytest.raises(errors.InsufficientPrivilege, match="only be erased"):
                cursor.execute(empty, [event.created_at, None, event.pk])
            conn.rollback()
            with pytest.raises(errors.InsufficientPrivilege, match="only be erased"):
                cursor.execute(empty, [event.created_at, event.pk, event.pk])  # not an erasure event
            conn.rollback()
            with pytest.raises(errors.InsufficientPrivilege):  # no DELETE privilege (and the trigger)
                cursor.execute("DELETE FROM audit_auditeventpersonal WHERE event_id = %s", [event.pk])
            conn.rollback()
            # with its erasure event, in one transaction
            cursor.execute(
                "INSERT INTO audit_auditevent (actor_label, action, object_type, object_id, created_at, details) "
                "VALUES ('', 'audit.personal_erase', '', '', now(), '{}') RETURNING id, created_at"
            )
            erasure_id, erased_at = cursor.fetchone()
            cursor.execute(empty, [erased_at, erasure_id, event.pk])
            assert cursor.rowcount == 1
            conn.commit()
            for sql in (
                "UPDATE audit_auditevent SET actor_label = '' WHERE id = %s",
                "DELETE FROM audit_auditevent WHERE id = %s",
            ):
                with pytest.raises(errors.InsufficientPrivilege):
                    cursor.execute(sql, [event.pk])
                conn.rollback()
            with pytest.raises(errors.InsufficientPrivilege):
                cursor.execute("TRUNCATE audit_auditeventpersonal")
            conn.rollback()
    finally:
        conn.close()
    personal = AuditEventPersonal.objects.get(event_id=event.pk)
    assert personal.ip_address is None and personal.is_erased
    assert AuditEvent.objects.get(pk=event.pk).actor_label == f"user#{user.pk}"


@pytest.mark.django_db
def test_the_portals_role_cannot_rewrite_the_admins_history(app_role):
    """``django_admin_log`` is written with an audit event each (audit/admin_log.py) and never changed."""
    with pytest.raises(errors.InsufficientPrivilege):
        _as_app(app_role, "UPDATE django_admin_log SET change_message = 'x'")
    with pytest.raises(errors.InsufficientPrivilege):
        _as_app(app_role, "TRUNCATE django_admin_log")
    assert _as_app(app_role, "SELECT count(*) FROM django_admin_log") == [(0,)]
