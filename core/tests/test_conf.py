"""Configuration from the code: every environment variable is declared once, where settings.py
reads it, and docs/configuration.md is generated from those declarations (core/conf.py)."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from core.conf import Config, Registry, Setting, declared, document
from core.management.commands.settings_doc import DOCUMENT

ROOT = Path(__file__).resolve().parents[2]

# The variables of the README's configuration table before the declarations existed: each must
# stay declared (and so documented).
_README_TABLE_TEXT = """
DJANGO_DEBUG DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS DJANGO_BEHIND_TLS_PROXY DJANGO_SECURE_SSL_REDIRECT
TRUSTED_PROXIES DATABASE_URL DATABASE_OWNER_URL DECLARATION_CHAIN_KEY DECLARATION_CHAIN_KEYS
DECLARATION_CHECKPOINT_PRIVATE_KEY DECLARATION_CHECKPOINT_PUBLIC_KEYS DECLARATION_CHECKPOINT_EVERY
VERIFY_RECEIPT_MAX_BYTES VERIFY_SANDBOX_SLOTS VERIFY_SANDBOX_SLOT_DIR VERIFY_SANDBOX_CPU_SECONDS
VERIFY_SANDBOX_MEMORY_MB VERIFY_SANDBOX_WALL_SECONDS AWS_S3_OBJECT_LOCK_MODE AWS_S3_OBJECT_LOCK_DAYS REDIS_URL
CELERY_BROKER_URL MEDIA_ROOT AWS_STORAGE_BUCKET_NAME AWS_S3_ENDPOINT_URL AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY EMAIL_URL EMAIL_TIMEOUT DEFAULT_FROM_EMAIL PORTAL_BASE_URL SESSION_IDLE_TIMEOUT
SESSION_ABSOLUTE_LIFETIME AXES_FAILURE_LIMIT LOGIN_THROTTLE_FREE_ATTEMPTS LOGIN_THROTTLE_MAX_DELAY
OTP_TOTP_ISSUER RATE_LIMITS_ENABLED SESSION_ACTIVITY_RESOLUTION PAGE_CACHE_SECONDS PDF_ACCEL_REDIRECT_PREFIX
DASHBOARD_ROUNDING_KEY LOCAL_STATE_DIR DASHBOARD_RELEASE_CADENCE DASHBOARD_RELEASE_RHO_PER_YEAR
DASHBOARD_RELEASE_MAX_REGISTRATIONS DASHBOARD_REFRESH_ON_READ BROCHURE_COUNT_BUFFER_URL
BROCHURE_RENDER_LEASE_SECONDS CELERY_WORKER_MAX_MEMORY_PER_CHILD DEMO_PASSWORD RETENTION_DAYS_PARTICIPANTS
RETENTION_DAYS_DECLARATION_PERSONAL_DATA RETENTION_DAYS_INVITATIONS RETENTION_DAYS_OUTBOX
RETENTION_DAYS_LOGIN_RECORDS RETENTION_DAYS_AUDIT_PERSONAL OIDC_ISSUER OIDC_CLIENT_ID OIDC_CLIENT_SECRET
OIDC_CLIENT_AUTH_METHOD OIDC_CLIENT_PRIVATE_KEY OIDC_CLIENT_PRIVATE_KEY_ID OIDC_SCOPES OIDC_MIN_ASSURANCE
OIDC_LEEWAY OIDC_TIMEOUT MFA_THROTTLE_MAX_DELAY MFA_NOTIFY_AFTER_FAILURES PASSKEY_RP_ID PASSKEY_ORIGINS
PASSKEY_RP_NAME REAUTH_MAX_AGE OIDC_JWKS_MAX_AGE OIDC_JWKS_MIN_REFRESH OIDC_TRUSTED_AUDIENCES
OIDC_SIGNING_ALGORITHMS OIDC_CLAIM_SUBJECT OIDC_CLAIM_KVK OIDC_CLAIM_BRANCH OIDC_CLAIM_NAME OIDC_CLAIM_EMAIL
OIDC_CLAIM_ASSURANCE OIDC_CLAIM_AUTHORISATION OIDC_SIGNING_SERVICE
"""
README_TABLE = _README_TABLE_TEXT.split()

# Reads of the process environment outside settings.py that are not portal settings, with the reason.
ENVIRONMENT_READS_ALLOWED = {
    "manage.py": "DJANGO_SETTINGS_MODULE default",
    "imvo_portal/wsgi.py": "DJANGO_SETTINGS_MODULE default",
    "imvo_portal/celery.py": "DJANGO_SETTINGS_MODULE default",
    "declarations/management/commands/db_roles.py": "the password variable named by --password-env",
    "core/metrics.py": "PROMETHEUS_MULTIPROC_DIR, prometheus_client's own variable (declared in settings)",
    "declarations/backup.py": "passes the environment on to pg_dump and psql (reads no setting)",
}


def test_docs_configuration_md_is_generated_from_the_declarations():
    """Change a declaration in settings.py, then run `python manage.py settings_doc --write`."""
    assert Path(settings.BASE_DIR, DOCUMENT).read_text(encoding="utf-8") == document()


def test_every_variable_of_the_former_readme_table_is_declared_and_documented():
    names = {setting.name for setting in declared()}
    assert sorted(set(README_TABLE) - names) == []
    text = document()
    assert all(f"| `{name}` |" in text for name in README_TABLE)


def test_every_declaration_has_a_group_a_known_type_and_a_sentence():
    for setting in declared():
        assert setting.help.endswith((".", ")")) and len(setting.help) > 15, setting.name
        assert setting.name.isupper() and " " not in setting.name


def test_the_reference_is_the_same_whatever_the_environment(tmp_path):
    """Defaults are written in words where they are computed, so production values never leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DECLARATION_", "EVIDENCE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="imvo_portal.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="test-only-" + "s" * 50,
        DJANGO_ALLOWED_HOSTS="portal.example",
        DECLARATION_CHAIN_KEY="cd" * 32,  # test-only
        DECLARATION_CHECKPOINT_PRIVATE_KEY="cXVpdGUtcmFuZG9tLWZvci10aGUtY2hlY2stb25seSE=",  # test-only
        PORTAL_BASE_URL="https://portal.example",
        REDIS_URL="redis://127.0.0.1:1/9",
        XDG_DATA_HOME=str(tmp_path),
        TMPDIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "settings_doc", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_doc_check_exits_1_when_the_file_differs_and_write_mends_it(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    (tmp_path / "docs").mkdir()
    (tmp_path / DOCUMENT).write_text(document().replace("`EMAIL_TIMEOUT`", "`EMAIL_TIMEOUT_OLD`"), encoding="utf-8")
    with pytest.raises(CommandError) as failed:
        call_command("settings_doc", "--check")
    assert failed.value.returncode == 1 and "settings_doc --write" in str(failed.value)

    call_command("settings_doc", "--write")
    assert (tmp_path / DOCUMENT).read_text(encoding="utf-8") == document()
    call_command("settings_doc", "--check")


def _reads_of_the_environment(tree: ast.AST) -> list[str]:
    """Every `os.environ…`, `os.getenv(…)`, `environ.Env(…)` and `env.<reader>(…)` in a module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr in ("environ", "getenv"):
                found.append(f"os.{node.attr} (line {node.lineno})")
            if node.value.id == "env" and node.attr != "read_env":
                found.append(f"env.{node.attr} (line {node.lineno})")
    return found


def test_settings_py_reads_the_environment_only_through_declarations():
    tree = ast.parse(Path(ROOT, "imvo_portal/settings.py").read_text(encoding="utf-8"))
    assert _reads_of_the_environment(tree) == []


def test_no_other_production_module_reads_the_environment_itself():
    offenders = []
    modules = [ROOT / "manage.py"] + [
        path
        for package in sorted(ROOT.iterdir())
        if (package / "__init__.py").exists() and package.name not in ("tests", "bench", "tools")
        for path in sorted(package.rglob("*.py"))
    ]
    for path in modules:
        relative = path.relative_to(ROOT).as_posix()
        if {"tests", "migrations"} & set(relative.split("/")):
            continue
        if relative in ENVIRONMENT_READS_ALLOWED or relative == "imvo_portal/settings.py":
            continue
        reads = _reads_of_the_environment(ast.parse(path.read_text(encoding="utf-8")))
        offenders += [f"{relative}: {read}" for read in reads]
    assert offenders == []


def test_no_test_hook_is_left_in_the_settings():
    names = {setting.name for setting in declared()}
    assert "BROCHURE_RENDER_TEST_DELAY" not in names
    assert not hasattr(settings, "BROCHURE_RENDER_TEST_DELAY")


# --- the registry itself ------------------------------------------------------------------------


def _config(**environment) -> Config:
    env = environ.Env()
    env.ENVIRON = environment
    return Config(env, registry=Registry())


def test_a_read_returns_the_value_and_declares_the_setting_in_its_group():
    conf = _config(PORT_X="8080")
    conf.group("Network")
    assert conf.int("PORT_X", default=80, help="The port.") == 8080
    assert conf.int("PORT_Y", default=81, help="Another port.") == 81
    assert list(conf.registry.settings) == ["PORT_X", "PORT_Y"]
    assert conf.registry.settings["PORT_X"] == Setting("PORT_X", "int", 80, "The port.", "Network")


def test_a_variable_declared_twice_differently_is_refused():
    conf = _config()
    conf.str("NAME_X", default="a", help="A name.")
    conf.str("NAME_X", default="a", help="A name.")  # the same declaration read again is harmless
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        conf.str("NAME_X", default="b", help="A name.")


def test_a_declaration_without_a_meaning_or_with_a_literal_secret_default_is_refused():
    conf = _config()
    with pytest.raises(ImproperlyConfigured, match="meaning"):
        conf.str("NO_HELP", default="", help="")
    with pytest.raises(ImproperlyConfigured, match="default_doc"):
        conf.str("A_KEY", default="dev-key-123", help="A key.", secret=True)
    conf.str("B_KEY", default="dev-key-123", default_doc="a development key", help="A key.", secret=True)
    assert "dev-key-123" not in document([("Keys", list(conf.registry.settings.values()))])


def test_refuse_missing_names_the_empty_variables_and_only_declared_ones():
    conf = _config(SET_ONE="x", EMPTY_ONE="")
    for name in ("SET_ONE", "EMPTY_ONE", "UNSET_ONE"):
        conf.str(name, default="", help="A value.")
    with pytest.raises(ImproperlyConfigured, match="^missing: EMPTY_ONE, UNSET_ONE$"):
        conf.refuse_missing(["SET_ONE", "EMPTY_ONE", "UNSET_ONE"], "missing: {names}")
    conf.refuse_missing(["SET_ONE"], "missing: {names}")
    with pytest.raises(ImproperlyConfigured, match="never declared"):
        conf.refuse_missing(["OTHER"], "missing: {names}")


@pytest.mark.parametrize(
    "kind, default, shown",
    [("bool", True, "`1`"), ("bool", False, "`0`"), ("list", ["a", "b"], "`a,b`"), ("list", [], "empty"),
     ("str", "", "empty"), ("int", 3650, "`3650`"), ("float", 2.0, "`2.0`")],
)  # fmt: skip
def test_defaults_are_shown_as_an_operator_writes_them(kind, default, shown):
    assert Setting("X", kind, default, "Meaning.", "G").default_text() == shown


def test_the_reference_marks_what_production_requires_and_escapes_table_cells():
    conf = _config()
    conf.group("Keys")
    conf.str("MUST_HAVE", default="", help="A | key.", production_required=True)
    text = document([("Keys", list(conf.registry.settings.values()))])
    assert "| `MUST_HAVE` | text | empty | **Required in production.** A \\| key. |" in text
    assert "- [Keys](#keys)" in text and "\n## Keys\n" in text
