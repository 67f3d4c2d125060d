"""Backup and restore of a consistent set: the database, the media folder and a manifest.

``backup_take`` (``manage.py backup DIR``) writes into a new folder

- ``database.dump``: ``pg_dump -Fc`` of the database (on SQLite ``database.sqlite3``, a copy made
  with SQLite's online backup API);
- ``media.tar``: the media folder (receipts, checkpoint copies and their RFC 3161 tokens, PDFs) when
  it is a local folder; object storage is kept by its own versioning and replication;
- ``manifest.json``: when, the code's version (``PORTAL_VERSION`` or its git commit) and
  migrations, the checkpoint head (number, digest, head sequence, highest reference), the ids of the
  evidence keys (never the keys) and the SHA-256 and size of each part.

``restore_from`` (``manage.py restore DIR``) checks the manifest (each part's SHA-256, the keys it
needs are configured), restores the database with ``pg_restore --no-owner --no-privileges`` into an
emptied schema as the owner role, migrates, grants the portal's role (``db_roles``), restores the
media without overwriting anything that exists (newer write-once checkpoint copies are the
evidence of what the restore lost) and records the restore as an evidence event
(``restores.chain_restore_record``).
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import environ
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from core.page_cache import page_cache_invalidate, page_cache_namespaces

from .checkpoints import checkpoint_copy_store, checkpoint_digest
from .hashing import utc_text
from .keys import chain_keys, checkpoint_public_keys
from .models import Checkpoint, Declaration
from .restores import backup_head, chain_restore_record

MANIFEST_FORMAT = "imvo-backup-1"
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_TAR = "media.tar"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    manifest: dict
    media_written: int = 0
    media_kept: int = 0  # files that existed and were left as they are (never overwritten)
    roles_granted: bool = False
    restore: dict = field(default_factory=dict)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_settings(using: str = "default") -> dict:
    """Connection settings of the owner role (``DATABASE_OWNER_URL``) on the same database."""
    params = dict(connections[using].settings_dict)
    if settings.DATABASE_OWNER_URL:
        owner = environ.Env.db_url_config(settings.DATABASE_OWNER_URL)
        params.update({key: owner.get(key) or params.get(key) for key in ("USER", "PASSWORD", "HOST", "PORT")})
    return params


def _pg_command(program: str, params: dict, *args: str) -> list[str]:
    command = [program, "--dbname", params["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            command += [option, str(params[key])]
    return command + list(args)


def _pg_run(command: list[str], params: dict) -> None:
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed ({completed.returncode}): {completed.stderr.strip()[-2000:]}")


def _media_root() -> Path | None:
    """The local media folder, or None when files live in object storage."""
    storage = storages["default"]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def _migrations(using: str = "default") -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[using]).migration_qs.order_by("id").values_list("app", "name"):
        latest[app] = name
    return latest


def portal_version() -> str:
    """``PORTAL_VERSION``, else the git commit of the code when there is one, else ""."""
    if settings.PORTAL_VERSION:
        return settings.PORTAL_VERSION
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (the code's own repository, if any)
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return completed.stdout.strip() if completed.returncode == 0 else ""


def backup_take(target: Path, *, using: str = "default") -> dict:
    """Write the database, the media folder and the manifest into the new folder ``target``; return the manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} exists and is not empty: a backup goes into a new folder")
    target.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    started = timezone.now()
    head = backup_head()  # read first: the dump holds at least this head (the chain only grows)
    parts: dict[str, dict] = {}
    if connection.vendor == "postgresql":
        params = _pg_settings(using)
        _pg_run(
            _pg_command("pg_dump", params, "--format=custom", "--compress=1", "--file", str(target / PG_DUMP)), params
        )
        parts["database"] = {"file": PG_DUMP, "format": "pg_dump custom"}
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(str(target / SQLITE_COPY))
        try:
            connection.connection.backup(copy)  # SQLite's online backup: consistent while the portal writes
        finally:
            copy.close()
        parts["database"] = {"file": SQLITE_COPY, "format": "sqlite3"}
    else:  # pragma: no cover - the portal runs on PostgreSQL or SQLite
        raise BackupError(f"no backup for the {connection.vendor} database")
    media = _media_root()
    if media is not None:
        with tarfile.open(target / MEDIA_TAR, "w") as archive:
            if media.exists():
                archive.add(media, arcname=".")
        parts["media"] = {"file": MEDIA_TAR, "format": "tar"}
    else:
        parts["media"] = {"file": None, "format": "object storage (kept by its versioning and replication)"}
    for part in parts.values():
        if part["file"]:
            path = target / part["file"]
            part.update(sha256=file_sha256(path), bytes=path.stat().st_size)
    manifest = {
        "format": MANIFEST_FORMAT,
        "created_at": utc_text(started),
        "finished_at": utc_text(timezone.now()),
        "version": portal_version(),
        "database_vendor": connection.vendor,
        "migrations": _migrations(using),
        "checkpoint": head,
        # Ids only: the keys themselves belong in the secret store, old ones included.
        "keys": {"chain": sorted(chain_keys()), "checkpoint": sorted(checkpoint_public_keys())},
        "parts": parts,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def manifest_check(source: Path) -> dict:
    """The manifest of the backup in ``source`` after checking every part's SHA-256 and the keys it needs."""
    try:
        raw = (source / MANIFEST).read_bytes()
        manifest = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source / MANIFEST} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{source / MANIFEST} is not a backup manifest ({MANIFEST_FORMAT})")
    for name, part in manifest["parts"].items():
        if not part.get("file"):
            continue
        path = source / part["file"]
        if not path.is_file():
            raise BackupError(f"the {name} part {path} is missing")
        if path.stat().st_size != part["bytes"] or file_sha256(path) != part["sha256"]:
            raise BackupError(f"the {name} part {path} does not match its SHA-256 in the manifest: damaged")
    missing = sorted(set(manifest["keys"]["chain"]) - set(chain_keys())) + sorted(
        set(manifest["keys"]["checkpoint"]) - set(checkpoint_public_keys())
    )
    if missing:
        raise BackupError(
            "the backup's records were signed with keys that are not configured (ids "
            + ", ".join(missing)
            + "): put the old keys in DECLARATION_CHAIN_KEYS / DECLARATION_CHECKPOINT_PUBLIC_KEYS first"
        )
    manifest["manifest_sha256"] = hashlib.sha256(raw).hexdigest()
    return manifest


def _granted_roles(using: str) -> list[str]:
    """The roles besides the owner that may add records now (``db_roles`` granted them): emptying the
    schema drops their grants, so the restore grants them again."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT grantee FROM information_schema.role_table_grants "
            "WHERE table_schema = current_schema() AND table_name = %s AND privilege_type = 'INSERT' "
            "AND grantee NOT IN (current_user, 'PUBLIC')",
            [Declaration._meta.db_table],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _database_restore(source: Path, manifest: dict, *, using: str) -> None:
    connection = connections[using]
    vendor = manifest["database_vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"the backup is of a {vendor} database, the configured one is {connection.vendor}")
    database = manifest["parts"]["database"]
    if vendor == "postgresql":
        connection.close()
        params = _pg_settings(using)
        # An empty schema first (as the owner, who owns it): tables that later migrations added would
        # otherwise survive beside a migration history that does not know them.
        _pg_run(
            _pg_command(
                "psql",
                params,
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--command=DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
            ),
            params,
        )
        _pg_run(
            _pg_command(
                "pg_restore",
                params,
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                str(source / database["file"]),
            ),
            params,
        )
    else:  # into the portal's own connection: also right for an in-memory database
        connection.ensure_connection()
        copy = sqlite3.connect(str(source / database["file"]))
        try:
            copy.backup(connection.connection)
        finally:
            copy.close()


def _media_restore(source: Path, manifest: dict, report: RestoreReport) -> None:
    """Extract the media archive; a file that exists is never overwritten (it is newer, or the same)."""
    part = manifest["parts"].get("media") or {}
    media = _media_root()
    if not part.get("file") or media is None:
        return
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / part["file"]) as archive:
        for member in archive:
            destination = media / member.name
            if member.isdir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            if destination.exists():
                report.media_kept += 1
                continue
            archive.extract(member, media, filter="data")
            report.media_written += 1


def restore_from(source: Path, *, using: str = "default", app_role: str = "", stdout=None) -> RestoreReport:
    """Restore the backup in ``source`` over the configured database and media folder; record the restore.

    Refuses a damaged backup or one whose keys are not configured before it changes anything.
    """
    manifest = manifest_check(source)
    report = RestoreReport(manifest=manifest)
    granted = _granted_roles(using)
    _database_restore(source, manifest, using=using)
    call_command("migrate", "--noinput", database=using, verbosity=0)
    owner = _pg_settings(using).get("USER")
    if connections[using].vendor == "postgresql" and (app_role or connections[using].settings_dict["USER"] != owner):
        call_command("db_roles", database=using, **({"app_role": app_role} if app_role else {}), stdout=stdout)
        report.roles_granted = True
    for role in granted:  # the roles that had the app role's grants before keep them
        if role != app_role and role != connections[using].settings_dict["USER"]:
            call_command("db_roles", database=using, app_role=role, stdout=stdout)
            report.roles_granted = True
    _media_restore(source, manifest, report)
    head = manifest.get("checkpoint") or {}
    _restored_head_check(head)
    report.restore = restore_record(
        backup={
            "created_at": manifest["created_at"],
            "checkpoint": head.get("number"),
            "manifest_sha256": manifest["manifest_sha256"],
        }
    )
    return report


def restore_record(*, backup: dict | None = None) -> dict:
    """Record a restore (``restores.chain_restore_record``), write its checkpoint's copy at once,
    and retire every cached page (they may show what was published after the backup)."""
    details = chain_restore_record(backup=backup)
    number = details.get("restore_checkpoint")
    if number is not None:  # its write-once copy now, not only when a worker gets to it
        checkpoint_copy_store(checkpoint_id=Checkpoint.objects.get(number=number).pk)
    page_cache_invalidate(*page_cache_namespaces())
    return details


def _restored_head_check(head: dict) -> None:
    """The restored database holds the checkpoint the manifest names, unchanged."""
    if head.get("number") is None:
        return
    checkpoint = Checkpoint.objects.filter(number=head["number"]).first()
    if checkpoint is None or checkpoint_digest(checkpoint) != head["digest"]:
        raise BackupError(
            f"the restored database does not hold checkpoint {head['number']} as the manifest names it: "
            "the dump and the manifest do not belong together"
        )
