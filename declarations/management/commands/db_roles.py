"""Give the portal's PostgreSQL role its privileges: INSERT and SELECT only on the evidence tables.

Run as the owner (``DATABASE_OWNER_URL``, or ``DATABASE_URL`` pointing at the owner) after every
``migrate``; idempotent. The portal's role gets SELECT, INSERT, UPDATE and DELETE on the other
tables (and by default on tables the owner creates later), the sequences, and on the evidence:

- declarations, checkpoints, erasure records, audit events: SELECT and INSERT only;
- personal data of declarations: no DELETE (the triggers allow only the erasure as UPDATE);
- the personal part of audit events (``audit_auditeventpersonal``): no DELETE (the triggers allow
  only the erasure as UPDATE, linked to its ``audit.personal_erase`` event of the same transaction;
  retention and account deletion erase it that way), while the events stay INSERT and SELECT only;
- the migration history: SELECT only;
- the admin's history (``django_admin_log``): no UPDATE (each entry is also an audit event);

never TRUNCATE, never ownership, so it cannot disable the triggers either. The command then
checks the effective privileges (also through PUBLIC or role membership) and fails if the role
could still change or remove evidence.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from declarations.protection import (
    APPEND_ONLY_TABLES,
    AUDIT_PERSONAL_TABLE,
    DECLARATION_TABLE,
    PERSONAL_TABLE,
    connected_as_owner,
)

ADMIN_LOG_TABLE = "django_admin_log"


class Command(BaseCommand):
    help = "Grant the portal's database role INSERT and SELECT only on the evidence tables (run as the owner)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--app-role",
            help="the portal's role (default: the user of DATABASE_URL when DATABASE_OWNER_URL is set)",
        )
        parser.add_argument(
            "--create", action="store_true", help="create the role (LOGIN) if missing and set its password"
        )
        parser.add_argument(
            "--password-env",
            default="DATABASE_APP_PASSWORD",
            help="environment variable with the role's password for --create (default DATABASE_APP_PASSWORD)",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        using = options["database"]
        connection = connections[using]
        if connection.vendor != "postgresql":
            self.stdout.write("Not PostgreSQL: no roles; the evidence triggers protect the tables.")
            return
        app_role = options["app_role"] or connection.settings_dict.get("USER")
        with connected_as_owner(using) as as_owner:
            if not options["app_role"] and not as_owner:
                raise CommandError("Name the portal's role with --app-role (or set DATABASE_OWNER_URL).")
            with transaction.atomic(using=using), connection.cursor() as cursor:
                self._grant(cursor, connection, app_role, options)
                problems = self._check(cursor, app_role)
        if problems:
            raise CommandError("The portal's role could still change evidence: " + "; ".join(problems))
        self.stdout.write(f"Role {app_role}: INSERT and SELECT only on " + ", ".join(APPEND_ONLY_TABLES) + ".")

    def _grant(self, cursor, connection, app_role: str, options) -> None:
        quote = connection.ops.quote_name
        role = quote(app_role)
        cursor.execute("SELECT current_user, current_database(), current_schema()")
        current_user, database, schema = cursor.fetchone()
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [DECLARATION_TABLE])
        row = cursor.fetchone()
        if row is None:
            raise CommandError("Run migrate first: the declarations tables do not exist.")
        owner = row[0]
        if app_role in (owner, current_user):
            raise CommandError(f"The portal's role must not be the owner ({owner}); use a role of its own.")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
        found = cursor.fetchone()
        if found is None:
            if not options["create"]:
                raise CommandError(f"Role {app_role} does not exist (add --create, or create it as a superuser).")
            cursor.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
        elif found[0]:
            raise CommandError(f"Role {app_role} is a superuser; the portal needs an ordinary role.")
        password = os.environ.get(options["password_env"], "")
        if options["create"] and password:
            cursor.execute(f"ALTER ROLE {role} PASSWORD %s", [password])
        cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app_role, owner])
        if cursor.fetchone()[0]:
            raise CommandError(f"Role {app_role} is a member of the owner {owner}; it must not be.")
        schema_q = quote(schema)
        for sql in (
            f"GRANT CONNECT ON DATABASE {quote(database)} TO {role}",
            f"GRANT USAGE ON SCHEMA {schema_q} TO {role}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema_q} FROM {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY_TABLES)} FROM {role}",
            f"REVOKE DELETE, TRUNCATE ON {PERSONAL_TABLE}, {AUDIT_PERSONAL_TABLE} FROM {role}",
            f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {role}",  # only the owner migrates
            # The admin's history cannot be rewritten; its rows go only with their user (CASCADE). The
            # record that counts is the audit event each entry writes (audit/admin_log.py).
            f"REVOKE UPDATE, TRUNCATE ON {ADMIN_LOG_TABLE} FROM {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote(owner)} IN SCHEMA {schema_q} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote(owner)} IN SCHEMA {schema_q} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        ):
            cursor.execute(sql)

    def _check(self, cursor, app_role: str) -> list[str]:
        problems = []
        expected = dict.fromkeys(APPEND_ONLY_TABLES, ("UPDATE", "DELETE", "TRUNCATE"))
        expected[PERSONAL_TABLE] = expected[AUDIT_PERSONAL_TABLE] = ("DELETE", "TRUNCATE")
        expected[ADMIN_LOG_TABLE] = ("UPDATE", "TRUNCATE")
        for table, refused in expected.items():
            for privilege in refused:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [app_role, table, privilege])
                if cursor.fetchone()[0]:
                    problems.append(f"{privilege} on {table}")
            for privilege in ("SELECT", "INSERT"):
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [app_role, table, privilege])
                if not cursor.fetchone()[0]:
                    problems.append(f"no {privilege} on {table}")
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE tableowner = %s AND schemaname = current_schema()", [app_role]
        )
        if cursor.fetchone()[0]:
            problems.append("it owns tables")
        return problems
